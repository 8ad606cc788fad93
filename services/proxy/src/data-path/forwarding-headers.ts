/**
 * X-Forwarded-For/-Proto/-Host and Forwarded (RFC 7239) under trusted-proxy rules: a client
 * whose address is in a trusted CIDR (another proxy or load balancer in front of us) has its
 * chain appended to; anybody else's claims are replaced, so a client cannot spoof its address
 * to the upstream (or to CLIENT_IP hashing). The same rule covers the client-IP fields
 * (X-Real-IP, True-Client-IP, ...): passed from a trusted peer, stripped from anybody else.
 */
import { BlockList, isIPv6 } from 'node:net';
import type { ForwardedValues } from './headers.js';
import { DEFAULT_CLIENT_IP_HEADERS, droppedFieldsForUntrusted, rawHeader } from './headers.js';

export interface TrustPolicy {
  isTrusted(address: string): boolean;
  /** Request fields dropped for an untrusted peer, client-IP claims included (droppedFieldsForUntrusted). */
  readonly droppedForUntrusted: ReadonlySet<string>;
}

/**
 * `clientIpHeaders` (X-Real-IP and friends) are stripped from an untrusted peer's request, not
 * overwritten: each names a claim of a particular party (Cloudflare's CF-Connecting-IP, a CDN's
 * True-Client-IP) that this proxy is not, the client address is already in X-Forwarded-For and
 * Forwarded, and four more fields on every request would cost what undici's per-field checks cost.
 */
export function createTrustPolicy(cidrs: readonly string[], clientIpHeaders: readonly string[] = DEFAULT_CLIENT_IP_HEADERS): TrustPolicy {
  const droppedForUntrusted = droppedFieldsForUntrusted(clientIpHeaders);
  if (cidrs.length === 0) return { isTrusted: () => false, droppedForUntrusted };
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [addr, bits] = cidr.split('/') as [string, string | undefined];
    const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return {
    droppedForUntrusted,
    isTrusted: (address) => {
      const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
      return list.check(v4, isIPv6(v4) ? 'ipv6' : 'ipv4');
    },
  };
}

/** The peer address without the IPv4-mapped prefix. */
export function peerAddress(remote: string | undefined): string {
  if (remote === undefined) return 'unknown';
  return remote.startsWith('::ffff:') ? remote.slice(7) : remote;
}

function forwardedNode(address: string): string {
  return isIPv6(address) ? `"[${address}]"` : address;
}

/** RFC 9110 token characters: such a value needs no quoting. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function quoteIfNeeded(value: string): string {
  return TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The Forwarded element for one (peer, host) pair. Clients keep their address and a site keeps
 * its host from request to request, so the last pair's element is kept: the IPv6 test and the
 * quoting regexes then run once per change instead of once per request.
 */
let lastElement = { peer: '', host: '', value: '' };
function forwardedElement(peer: string, host: string): string {
  if (peer !== lastElement.peer || host !== lastElement.host) {
    lastElement = { peer, host, value: `for=${forwardedNode(peer)};host=${quoteIfNeeded(host)};proto=http` };
  }
  return lastElement.value;
}

/**
 * The client address to hash on: the peer, or, behind trusted proxies, the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy.
 */
export function clientAddress(peer: string, rawHeaders: readonly string[], trust: TrustPolicy): string {
  if (!trust.isTrusted(peer)) return peer;
  const xff = rawHeader(rawHeaders, 'x-forwarded-for');
  if (xff === undefined) return peer;
  const hops = xff.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!.trim();
    if (hop !== '' && !trust.isTrusted(hop)) return hop;
  }
  return peer;
}

export function forwardedValues(peer: string, rawHeaders: readonly string[], host: string, trust: TrustPolicy, requestId: string): ForwardedValues {
  const trusted = trust.isTrusted(peer);
  const proto = 'http';
  const priorXff = trusted ? rawHeader(rawHeaders, 'x-forwarded-for') : undefined;
  const priorProto = trusted ? rawHeader(rawHeaders, 'x-forwarded-proto') : undefined;
  const priorHost = trusted ? rawHeader(rawHeaders, 'x-forwarded-host') : undefined;
  const priorForwarded = trusted ? rawHeader(rawHeaders, 'forwarded') : undefined;
  const element = forwardedElement(peer, host);
  return {
    xForwardedFor: priorXff === undefined || priorXff.trim() === '' ? peer : `${priorXff}, ${peer}`,
    xForwardedProto: priorProto ?? proto,
    xForwardedHost: priorHost ?? host,
    forwarded: priorForwarded === undefined || priorForwarded.trim() === '' ? element : `${priorForwarded}, ${element}`,
    requestId,
    dropped: trusted ? undefined : trust.droppedForUntrusted,
  };
}
