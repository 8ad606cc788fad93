/**
 * Host header syntax (RFC 9112 §3.2, RFC 3986 §3.2.2-3): `uri-host [":" port]`, where uri-host
 * is a reg-name (which covers IPv4 dotted quads) or an `[IPv6]` literal. A server must answer 400
 * to an invalid Host (RFC 9112 §3.2); the proxy routes on it and forwards it, so a value with a
 * space, `@`, `/`, a control character or a bad port must not reach routing, logs or an upstream.
 * Empty is refused too: an http URI may not have an empty host (RFC 9110 §4.2.1). IPvFuture
 * (`[v1.x]`) and IPv6 zone identifiers are refused: no client sends them to a server. Pure.
 */
import { isIPv6 } from 'node:net';

/** reg-name characters besides pct-encoded: unreserved and sub-delims (RFC 3986 §3.2.2). */
const REG_NAME = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=") REG_NAME[c.charCodeAt(0)] = 1;

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);

/** `port = *DIGIT` from `start` to the end, at most 65535 (an empty port is allowed by the grammar). */
function validPort(value: string, start: number): boolean {
  if (value.length - start > 5) return false;
  let port = 0;
  for (let i = start; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
    port = port * 10 + (c - 48);
  }
  return port <= 65_535;
}

export function isValidHost(value: string): boolean {
  if (value.length === 0) return false;
  if (value.charCodeAt(0) === 91 /* [ */) {
    const close = value.indexOf(']');
    if (close === -1) return false;
    const literal = value.slice(1, close);
    if (literal.includes('%') || !isIPv6(literal)) return false;
    if (close === value.length - 1) return true;
    return value.charCodeAt(close + 1) === 58 /* : */ && validPort(value, close + 2);
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 58 /* : */) return i > 0 && validPort(value, i + 1);
    if (c === 37 /* % */) {
      if (!(i + 2 < value.length && isHex(value.charCodeAt(i + 1)) && isHex(value.charCodeAt(i + 2)))) return false;
      i += 2;
    } else if (c >= 128 || REG_NAME[c] !== 1) {
      return false;
    }
  }
  return true;
}
