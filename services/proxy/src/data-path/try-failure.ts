/**
 * Whose fault a failed try is, from the error undici (or the request body stream) reported.
 * Only instance faults feed outlier detection, the balancer's latency estimate and telemetry's
 * error counts: a request undici refuses before sending (an invalid header, a duplicate Host)
 * or a client that leaves mid-upload says nothing about the instance, and counting it would let
 * any client eject a healthy instance by sending a few such requests.
 *
 * Pure: the error code and whether the client's connection is still there are the inputs.
 */
import type { LocalFailure } from '../resilience/outlier-detector.js';

/** What the client is answered when the fault is its own. */
export type ClientFaultAnswer =
  /** 400: undici refused the request as invalid before sending anything. */
  | 'bad-request'
  /** 501: the request needs something the proxy does not implement. */
  | 'not-implemented'
  /** 413: a chunked body grew past the limit. */
  | 'body-too-large'
  /** 499: the client closed its connection (or its request body broke off): nobody to answer. */
  | 'gone';

export type TryFault =
  /** The instance failed: counted by outlier detection, the balancer and telemetry. */
  | { readonly fault: 'instance'; readonly kind: LocalFailure }
  /** The client's request or connection: neutral for the instance, a 4xx (or 499) for the client. */
  | { readonly fault: 'client'; readonly answer: ClientFaultAnswer }
  /**
   * The proxy's own state: the instance's connection pool was closed under the request (the
   * instance was removed or drained by config). Neutral for the instance; retried like a reset.
   */
  | { readonly fault: 'proxy'; readonly reason: 'pool-closed' };

const instance = (kind: LocalFailure): TryFault => Object.freeze({ fault: 'instance', kind });
const client = (answer: ClientFaultAnswer): TryFault => Object.freeze({ fault: 'client', answer });
const POOL_CLOSED: TryFault = Object.freeze({ fault: 'proxy', reason: 'pool-closed' });

/** The error code the forwarder gives a chunked body that grows past the limit. */
export const BODY_TOO_LARGE_CODE = 'SLB_BODY_TOO_LARGE';

/**
 * Error codes with a known owner. Anything else (ECONNRESET, EPIPE, UND_ERR_SOCKET, an llhttp
 * HPE_* code for a malformed response, ...) is the instance's connection failing: a reset.
 */
const TRY_FAILURES: ReadonlyMap<string, TryFault> = new Map(Object.entries({
  // Nothing answered: the instance (or the way to it) is down.
  ECONNREFUSED: instance('connect'),
  UND_ERR_CONNECT_TIMEOUT: instance('connect'),
  ENOTFOUND: instance('connect'),
  EHOSTUNREACH: instance('connect'),
  ENETUNREACH: instance('connect'),
  EAI_AGAIN: instance('connect'),
  // Connected, but no (complete) answer in time.
  UND_ERR_HEADERS_TIMEOUT: instance('timeout'),
  UND_ERR_BODY_TIMEOUT: instance('timeout'),
  // undici validates the request before it writes a byte; these are about what the client sent.
  UND_ERR_INVALID_ARG: client('bad-request'),
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: client('bad-request'),
  UND_ERR_NOT_SUPPORTED: client('not-implemented'),
  [BODY_TOO_LARGE_CODE]: client('body-too-large'),
  // The request body stream closed before its end: the client went away mid-upload.
  UND_ERR_ABORTED: client('gone'),
  // The pool was closed (instance removed by config) while the request waited for it.
  UND_ERR_CLOSED: POOL_CLOSED,
  UND_ERR_DESTROYED: POOL_CLOSED,
} satisfies Record<string, TryFault>));

const RESET = instance('reset');
const CLIENT_GONE = client('gone');

/**
 * Whether the error a client request (node's IncomingMessage) ended with is node's own "the
 * client's connection closed before the request was complete" (`ECONNRESET` "aborted", also
 * after node's request timeout), as opposed to an error undici destroyed the body with after
 * the upstream side failed. Who broke the body first decides whose fault the try is.
 */
export function isClientAbort(requestError: unknown): boolean {
  if (!(requestError instanceof Error)) return false;
  return (requestError as Error & { code?: unknown }).code === 'ECONNRESET' && requestError.message === 'aborted';
}

/**
 * Classifies a try's error. `clientAborted`: the client's request body broke off (see
 * isClientAbort); whatever undici reports then follows from the client leaving (it passes the
 * body's error on, or resets the upstream connection with it), not from the instance.
 */
export function classifyTryError(code: string | undefined, clientAborted: boolean): TryFault {
  if (clientAborted) return CLIENT_GONE;
  return (code === undefined ? undefined : TRY_FAILURES.get(code)) ?? RESET;
}
