import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, transferCodingProblem, upstreamRequestHeaders } from './headers.js';
import { clientAddress, createTrustPolicy, forwardedValues } from './forwarding-headers.js';
import { buildRouteTable } from './route-table.js';

const pairs = (flat: string[]) => {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!.toLowerCase(), flat[i + 1]!]);
  return out;
};
const fwd = { xForwardedFor: '1.1.1.1', xForwardedProto: 'http', xForwardedHost: 'h', forwarded: 'for=1.1.1.1', requestId: 'r' };

describe('hop-by-hop headers', () => {
  const cases: Array<[string, string[], string[], string[]]> = [
    ['always hop-by-hop', ['Keep-Alive', '5', 'TE', 'trailers', 'Transfer-Encoding', 'chunked', 'Upgrade', 'h2c', 'Proxy-Connection', 'x', 'Expect', '100-continue', 'A', '1'], ['a'], ['keep-alive', 'te', 'transfer-encoding', 'upgrade', 'proxy-connection', 'expect']],
    ['named by Connection', ['Connection', 'X-A, x-b', 'X-A', '1', 'X-B', '2', 'X-C', '3'], ['x-c'], ['connection', 'x-a', 'x-b']],
    ['Connection cannot strip Host or Content-Length', ['Connection', 'host, content-length', 'Host', 'h', 'Content-Length', '3'], ['host', 'content-length'], ['connection']],
    ['client forwarding fields are replaced', ['X-Forwarded-For', '6.6.6.6', 'Forwarded', 'for=6.6.6.6', 'X-Request-Id', 'evil'], [], []],
  ];
  it.each(cases)('request: %s', (_name, raw, kept, dropped) => {
    const out = pairs(upstreamRequestHeaders(raw, fwd));
    const names = out.map(([n]) => n);
    for (const k of kept) expect(names).toContain(k);
    for (const d of dropped) expect(names).not.toContain(d);
    expect(out.filter(([n]) => n === 'x-forwarded-for')).toEqual([['x-forwarded-for', '1.1.1.1']]);
    expect(out.filter(([n]) => n === 'x-request-id')).toEqual([['x-request-id', 'r']]);
  });

  it('request: client-IP claims are dropped for an untrusted peer and passed for a trusted one', () => {
    const trust = createTrustPolicy(['10.0.0.0/8'], ['X-Real-IP', 'cf-connecting-ip']);
    const raw = ['X-Real-IP', '127.0.0.1', 'CF-Connecting-IP', '127.0.0.2', 'True-Client-IP', '127.0.0.3', 'A', '1'];
    const names = (peer: string) => pairs(upstreamRequestHeaders(raw, forwardedValues(peer, raw, 'h', trust, 'r'))).map(([n]) => n);
    expect(names('198.51.100.7')).toEqual(['true-client-ip', 'a', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-request-id']);
    expect(names('10.1.2.3').slice(0, 4)).toEqual(['x-real-ip', 'cf-connecting-ip', 'true-client-ip', 'a']);
  });

  it('request: the default client-IP set is dropped when no proxy is trusted', () => {
    const raw = ['X-Real-IP', '1', 'True-Client-IP', '2', 'X-Client-IP', '3', 'CF-Connecting-IP', '4', 'A', '1'];
    const out = pairs(upstreamRequestHeaders(raw, forwardedValues('198.51.100.7', raw, 'h', createTrustPolicy([]), 'r')));
    expect(out.map(([n]) => n)).toEqual(['a', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-request-id']);
  });

  it('response: drops hop-by-hop and Connection-named fields, adds the request id', () => {
    const raw = ['Connection', 'x-int', 'X-Int', 's', 'Transfer-Encoding', 'chunked', 'Content-Type', 'text/plain'].map((s) => Buffer.from(s));
    expect(pairs(clientResponseHeaders(raw, 'rid'))).toEqual([['content-type', 'text/plain'], ['x-request-id', 'rid']]);
  });
  const responses: Array<[string, string[], Array<[string, string]>]> = [
    ['keep-alive (the usual case)', ['Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'A', '1'], [['a', '1'], ['x-request-id', 'rid']]],
    ['close', ['Connection', 'close', 'A', '1'], [['a', '1'], ['x-request-id', 'rid']]],
    ['keep-alive plus a named field', ['Connection', 'keep-alive, X-Int', 'X-Int', 's', 'A', '1'], [['a', '1'], ['x-request-id', 'rid']]],
    ['the upstream echoed the request id', ['X-Request-Id', 'up', 'A', '1'], [['x-request-id', 'up'], ['a', '1']]],
  ];
  it.each(responses)('response Connection: %s', (_name, raw, expected) => {
    expect(pairs(clientResponseHeaders(raw.map((v) => Buffer.from(v)), 'rid'))).toEqual(expected);
  });
});

describe('forwarding headers under trust rules', () => {
  const trust = createTrustPolicy(['10.0.0.0/8', '::1']);
  it('appends for a trusted peer and replaces for anybody else', () => {
    const raw = ['X-Forwarded-For', '203.0.113.9', 'X-Forwarded-Proto', 'https', 'Forwarded', 'for=203.0.113.9'];
    expect(forwardedValues('10.1.2.3', raw, 'shop', trust, 'r')).toMatchObject({ xForwardedFor: '203.0.113.9, 10.1.2.3', xForwardedProto: 'https', forwarded: 'for=203.0.113.9, for=10.1.2.3;host=shop;proto=http' });
    expect(forwardedValues('198.51.100.7', raw, 'shop', trust, 'r')).toMatchObject({ xForwardedFor: '198.51.100.7', xForwardedProto: 'http', forwarded: 'for=198.51.100.7;host=shop;proto=http' });
    expect(forwardedValues('::1', [], 'a b', trust, 'r').forwarded).toBe('for="[::1]";host="a b";proto=http');
  });
  it('builds the Forwarded element per (peer, host) when they alternate', () => {
    // The element of the last pair is reused: a change of either must not return a stale one.
    const seq: Array<[string, string, string]> = [
      ['198.51.100.7', 'shop', 'for=198.51.100.7;host=shop;proto=http'],
      ['198.51.100.7', 'shop:8080', 'for=198.51.100.7;host="shop:8080";proto=http'],
      ['2001:db8::1', 'shop:8080', 'for="[2001:db8::1]";host="shop:8080";proto=http'],
      ['198.51.100.7', 'shop', 'for=198.51.100.7;host=shop;proto=http'],
      ['198.51.100.7', 'shop', 'for=198.51.100.7;host=shop;proto=http'],
    ];
    for (const [peer, host, element] of seq) expect(forwardedValues(peer, [], host, trust, 'r').forwarded).toBe(element);
  });
  it('finds the client address behind trusted proxies', () => {
    expect(clientAddress('10.0.0.1', ['X-Forwarded-For', '1.2.3.4, 10.0.0.9'], trust)).toBe('1.2.3.4');
    expect(clientAddress('8.8.8.8', ['X-Forwarded-For', '1.2.3.4'], trust)).toBe('8.8.8.8');
  });
});

describe('route table', () => {
  const table = buildRouteTable([
    { host: null, pathPrefix: '/', service: 'root' },
    { host: null, pathPrefix: '/api', service: 'api' },
    { host: null, pathPrefix: '/api/v2/', service: 'v2' },
    { host: 'Shop.Example', pathPrefix: '/api', service: 'shop-api' },
    { host: '*.example.com', pathPrefix: '/', service: 'wild' },
    { host: '*.eu.example.com', pathPrefix: '/api', service: 'wild-eu-api' },
    { host: 'www.example.com', pathPrefix: '/', service: 'www' },
  ]);
  const cases: Array<[string | undefined, string, string]> = [
    [undefined, '/', 'root'],
    [undefined, '/api', 'api'],
    [undefined, '/api?x=1', 'api'],
    [undefined, '/api/v1/x', 'api'],
    [undefined, '/apix', 'root'],
    [undefined, '/api/v2/x', 'v2'],
    ['shop.example:8080', '/api/x', 'shop-api'],
    ['shop.example', '/other', 'root'],
    ['other.example', '/api/x', 'api'],
    ['a.example.com', '/x', 'wild'],
    ['a.b.example.com:443', '/x', 'wild'],
    ['example.com', '/x', 'root'],
    ['www.example.com', '/x', 'www'],
    ['shop.eu.example.com', '/api/y', 'wild-eu-api'],
    ['shop.eu.example.com', '/other', 'wild'],
    ['notexample.com', '/x', 'root'],
  ];
  it.each(cases)('host %s path %s -> %s', (host, url, expected) => {
    expect(table.match(host, url)).toBe(expected);
  });
});

describe('transfer codings (RFC 9112 §6.1)', () => {
  const cases: Array<[string, ReturnType<typeof transferCodingProblem>]> = [
    ['chunked', undefined],
    ['Chunked', undefined],
    ['CHUNKED', undefined],
    [' chunked ', undefined],
    ['gzip, chunked', 'not-implemented'],
    ['deflate,chunked', 'not-implemented'],
    ['identity, chunked', 'not-implemented'],
    ['x-custom, chunked', 'not-implemented'],
    ['chunked, chunked', 'malformed'],
    ['gzip, chunked, chunked', 'malformed'],
    ['chunked, gzip', 'malformed'],
    ['xchunked', 'malformed'],
    ['gzip', 'malformed'],
    ['', 'malformed'],
  ];
  it.each(cases)('%j -> %s', (value, expected) => {
    expect(transferCodingProblem(value)).toBe(expected);
  });
});
