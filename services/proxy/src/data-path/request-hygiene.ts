/**
 * The checks every request passes before routing (docs/proxy.md, "HTTP hygiene"): method
 * (TRACE refused unless allowed; CONNECT never reaches here, see data-server's 'connect'),
 * Host syntax, and the path, which is normalised in place (`req.url`) so the route is matched
 * on, and the upstream receives, the same path. The hot path costs a string comparison for
 * the method, a comparison with the last valid Host, and one scan of the path.
 */
import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '@slb/core';
import { isValidHost } from './host-syntax.js';
import { isPathRejection, normalizeRequestTarget, type PathNormalization } from './path-normalization.js';

export interface RequestHygiene {
  readonly path: PathNormalization;
  /** TRACE is forwarded only when true (it echoes the request, cookies included, back: XST). */
  readonly allowTrace: boolean;
}

export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
  /** For a 405: the Allow header. */
  readonly allow?: string;
}

/** What the proxy forwards: any method but CONNECT (a tunnel) and, unless allowed, TRACE. */
const FORWARDED_METHODS = 'GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH';
export const allowedMethods = (allowTrace: boolean): string => (allowTrace ? `${FORWARDED_METHODS}, TRACE` : FORWARDED_METHODS);

/** Why `req` is refused, or undefined once its path is normalised (in `req.url`). */
export type RequestScreen = (req: IncomingMessage) => Refusal | undefined;

export function createRequestScreen(hygiene: RequestHygiene): RequestScreen {
  const allow = allowedMethods(hygiene.allowTrace);
  // A site's clients send the same Host over and over: the last valid value skips the scan.
  let lastValidHost: string | undefined;
  return (req) => {
    if (req.method === 'TRACE' && !hygiene.allowTrace) return { code: 'SLB_PROXY_METHOD_NOT_ALLOWED', message: 'TRACE is not forwarded', allow };
    const host = req.headers.host ?? '';
    if (host !== lastValidHost) {
      if (!isValidHost(host)) return { code: 'SLB_PROXY_BAD_HOST', message: `invalid Host header: ${JSON.stringify(host)}` };
      lastValidHost = host;
    }
    const url = req.url ?? '/';
    const normalised = normalizeRequestTarget(url, hygiene.path);
    if (isPathRejection(normalised)) return { code: 'SLB_PROXY_BAD_PATH', message: normalised.message };
    if (normalised !== url) req.url = normalised;
    return undefined;
  };
}
