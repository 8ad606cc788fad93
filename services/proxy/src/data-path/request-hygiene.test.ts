import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH_NORMALIZATION } from './path-normalization.js';
import { createRequestScreen } from './request-hygiene.js';

const request = (method: string, url: string, host: string | undefined): IncomingMessage => ({ method, url, headers: host === undefined ? {} : { host } }) as IncomingMessage;

describe('createRequestScreen', () => {
  const screen = createRequestScreen({ path: DEFAULT_PATH_NORMALIZATION, allowTrace: false });

  it('normalises the path in place and refuses nothing valid', () => {
    const req = request('GET', '/public/%2e%2e/secret?q=..', 'shop');
    expect(screen(req)).toBeUndefined();
    expect(req.url).toBe('/secret?q=..');
  });

  it('leaves req.url as it was when it is already normal', () => {
    const url = '/a/b?c';
    const req = request('GET', url, 'shop');
    expect(screen(req)).toBeUndefined();
    expect(req.url).toBe(url);
  });

  const refused: Array<[string, IncomingMessage, string]> = [
    ['TRACE', request('TRACE', '/a', 'shop'), 'SLB_PROXY_METHOD_NOT_ALLOWED'],
    ['no Host', request('GET', '/a', undefined), 'SLB_PROXY_BAD_HOST'],
    ['empty Host', request('GET', '/a', ''), 'SLB_PROXY_BAD_HOST'],
    ['Host with userinfo', request('GET', '/a', 'u@shop'), 'SLB_PROXY_BAD_HOST'],
    ['bad escape', request('GET', '/a%zz', 'shop'), 'SLB_PROXY_BAD_PATH'],
  ];
  it.each(refused)('refuses %s', (_name, req, code) => {
    expect(screen(req)?.code).toBe(code);
  });

  it('a TRACE refusal names what is forwarded; allowed, TRACE passes', () => {
    expect(screen(request('TRACE', '/a', 'shop'))?.allow).toBe('GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH');
    const allowing = createRequestScreen({ path: DEFAULT_PATH_NORMALIZATION, allowTrace: true });
    expect(allowing(request('TRACE', '/a', 'shop'))).toBeUndefined();
  });

  it('checks a new Host afresh after a valid one was remembered', () => {
    expect(screen(request('GET', '/a', 'shop'))).toBeUndefined();
    expect(screen(request('GET', '/a', 'sh op'))?.code).toBe('SLB_PROXY_BAD_HOST');
    expect(screen(request('GET', '/a', 'shop'))).toBeUndefined();
  });
});
