import { describe, expect, it } from 'vitest';
import { classifyTryError, isClientAbort, type TryFault } from './try-failure.js';

describe('whose fault a failed try is', () => {
  const cases: Array<[string | undefined, boolean, TryFault]> = [
    // the instance: counted against it
    ['ECONNREFUSED', false, { fault: 'instance', kind: 'connect' }],
    ['UND_ERR_CONNECT_TIMEOUT', false, { fault: 'instance', kind: 'connect' }],
    ['ENOTFOUND', false, { fault: 'instance', kind: 'connect' }],
    ['EHOSTUNREACH', false, { fault: 'instance', kind: 'connect' }],
    ['ENETUNREACH', false, { fault: 'instance', kind: 'connect' }],
    ['EAI_AGAIN', false, { fault: 'instance', kind: 'connect' }],
    ['UND_ERR_HEADERS_TIMEOUT', false, { fault: 'instance', kind: 'timeout' }],
    ['UND_ERR_BODY_TIMEOUT', false, { fault: 'instance', kind: 'timeout' }],
    ['UND_ERR_SOCKET', false, { fault: 'instance', kind: 'reset' }],
    ['ECONNRESET', false, { fault: 'instance', kind: 'reset' }],
    ['EPIPE', false, { fault: 'instance', kind: 'reset' }],
    ['HPE_INVALID_CONSTANT', false, { fault: 'instance', kind: 'reset' }],
    ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', false, { fault: 'instance', kind: 'reset' }],
    ['UND_ERR_HEADERS_OVERFLOW', false, { fault: 'instance', kind: 'reset' }],
    [undefined, false, { fault: 'instance', kind: 'reset' }],
    // the client's request, refused before anything was sent: neutral, 4xx
    ['UND_ERR_INVALID_ARG', false, { fault: 'client', answer: 'bad-request' }],
    ['UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', false, { fault: 'client', answer: 'bad-request' }],
    ['UND_ERR_NOT_SUPPORTED', false, { fault: 'client', answer: 'not-implemented' }],
    ['SLB_BODY_TOO_LARGE', false, { fault: 'client', answer: 'body-too-large' }],
    // the client left (its body stream closed early, or its connection is gone): neutral, 499
    ['UND_ERR_ABORTED', false, { fault: 'client', answer: 'gone' }],
    ['ECONNRESET', true, { fault: 'client', answer: 'gone' }],
    ['UND_ERR_SOCKET', true, { fault: 'client', answer: 'gone' }],
    ['UND_ERR_INVALID_ARG', true, { fault: 'client', answer: 'gone' }],
    [undefined, true, { fault: 'client', answer: 'gone' }],
    // the proxy's own pool closed under the request: neutral, retried like a reset
    ['UND_ERR_CLOSED', false, { fault: 'proxy', reason: 'pool-closed' }],
    ['UND_ERR_DESTROYED', false, { fault: 'proxy', reason: 'pool-closed' }],
  ];
  it.each(cases)('%s (client aborted: %s)', (code, clientGone, expected) => {
    expect(classifyTryError(code, clientGone)).toEqual(expected);
  });

  it('never lets an inherited property name pick a class', () => {
    expect(classifyTryError('constructor', false)).toEqual({ fault: 'instance', kind: 'reset' });
    expect(classifyTryError('toString', false)).toEqual({ fault: 'instance', kind: 'reset' });
  });
});

describe("telling the client's abort from an upstream failure", () => {
  const withCode = (message: string, code: string, extra: object = {}) => Object.assign(new Error(message), { code }, extra);
  const cases: Array<[string, unknown, boolean]> = [
    ["node's error for a client that closed mid-request", withCode('aborted', 'ECONNRESET'), true],
    ['an upstream socket reset undici destroyed the body with', withCode('read ECONNRESET', 'ECONNRESET', { syscall: 'read', errno: -104 }), false],
    ["undici's socket error", withCode('other side closed', 'UND_ERR_SOCKET'), false],
    ["undici's abort", withCode('Request aborted', 'UND_ERR_ABORTED'), false],
    ['no error (the body is intact)', null, false],
    ['not an Error', { code: 'ECONNRESET', message: 'aborted' }, false],
  ];
  it.each(cases)('%s', (_name, err, expected) => {
    expect(isClientAbort(err)).toBe(expected);
  });
});
