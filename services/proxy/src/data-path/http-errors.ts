/**
 * The JSON error answers of the data plane: `{code, message}` with the status from the core
 * error registry, plus `x-slb-reason` so a client (or curl -i) sees why without parsing JSON.
 */
import type { ServerResponse } from 'node:http';
import { ERROR_CODES, type ErrorCode } from '@slb/core';

export function sendError(res: ServerResponse, code: ErrorCode, message: string, requestId?: string, close = false): void {
  if (res.headersSent || res.destroyed) {
    // Too late for a status line: cutting the connection is the only honest signal.
    res.destroy();
    return;
  }
  const status = (ERROR_CODES[code] as { httpStatus?: number }).httpStatus ?? 500;
  const body = JSON.stringify({ code, message });
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-slb-reason': code,
  };
  if (requestId !== undefined) headers['x-request-id'] = requestId;
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}
