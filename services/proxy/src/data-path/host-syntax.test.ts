import { describe, expect, it } from 'vitest';
import { isValidHost } from './host-syntax.js';

describe('isValidHost (RFC 9112 §3.2 / RFC 3986 host)', () => {
  const valid = [
    'example.com',
    'EXAMPLE.com',
    'api.example.com:8080',
    'localhost',
    'a',
    'x:0',
    'x:65535',
    'x:', // port = *DIGIT: empty is allowed by the grammar
    '127.0.0.1',
    '127.0.0.1:80',
    '[::1]',
    '[::1]:8080',
    '[2001:db8::1]',
    '[::ffff:192.0.2.1]:443',
    'under_score.example',
    'xn--bcher-kva.example',
    'ex%41mple.com',
    "sub-delims!$&'()*+,;=",
  ];
  it.each(valid)('accepts %j', (host) => expect(isValidHost(host)).toBe(true));

  const invalid = [
    '',
    ' ',
    'a b',
    'a\tb',
    'a\u0001b',
    'a\u007fb',
    'user@example.com',
    'example.com/path',
    'example.com\\path',
    'example.com?x',
    'example.com#x',
    'exa"mple.com',
    'ex<ample>.com',
    'ex%4',
    'ex%zzample',
    ':80',
    'x:65536',
    'x:123456',
    'x:8o',
    'x:-1',
    'x:80:80',
    'x: 80',
    '[::1',
    '[::1]x',
    '[::1]:x',
    '[not-ipv6]',
    '[127.0.0.1]',
    '[fe80::1%25eth0]',
    '[v1.future]',
    '::1',
    'exämple.com',
  ];
  it.each(invalid)('refuses %j', (host) => expect(isValidHost(host)).toBe(false));
});
