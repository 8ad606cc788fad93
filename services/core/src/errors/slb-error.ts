import { ERROR_CODES, type ErrorCode, type ErrorCodeEntry } from './codes.js';

/**
 * The one error type every package throws. `code` is stable and documented (docs/errors.md);
 * `retriable` tells callers (and the Kafka retry loops) whether trying again can help.
 */
export class SlbError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly httpStatus: number | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown>; retriable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SlbError';
    this.code = code;
    const entry: ErrorCodeEntry = ERROR_CODES[code];
    this.retriable = options.retriable ?? entry.retriable;
    this.httpStatus = entry.httpStatus;
    this.details = options.details === undefined ? undefined : Object.freeze({ ...options.details });
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retriable: this.retriable, details: this.details };
  }
}

export function isSlbError(value: unknown, code?: ErrorCode): value is SlbError {
  return value instanceof SlbError && (code === undefined || value.code === code);
}
