/**
 * Hop-by-hop header handling (RFC 9110 §7.6.1) in both directions, on node's raw header arrays
 * (name, value, name, value, ...) so headers keep their order, case and duplicates and no
 * object is built per request.
 *
 * Removed: Connection and every field it names, Keep-Alive, Proxy-Connection, TE,
 * Transfer-Encoding (the body is re-framed on each side), Upgrade (outside a WebSocket
 * upgrade), and Expect (node answers 100-continue itself; undici refuses the field). A field
 * named in Connection is dropped, never turned into an error, except Host and Content-Length,
 * which a client cannot remove this way (they carry routing and framing).
 */

const ALWAYS_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings']);
/** Fields a Connection header may not strip. */
const PROTECTED = new Set(['host', 'content-length']);
/** Set by the proxy itself; whatever the client sent is replaced (or appended, when trusted). */
const PROXY_OWNED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-request-id']);
/** Request fields never forwarded as the client sent them: one set, so one lookup per field. */
const DROPPED_REQUEST_FIELDS: ReadonlySet<string> = new Set([...ALWAYS_HOP_BY_HOP, ...PROXY_OWNED]);

/**
 * Client-IP claims a peer outside SLB_TRUSTED_PROXIES cannot make (`X-Real-IP: 127.0.0.1` to an
 * upstream that trusts it for allow-lists, rate limits or logs). The default is what common
 * CDNs and proxies set; X-Forwarded-For and Forwarded are proxy-owned anyway.
 */
export const DEFAULT_CLIENT_IP_HEADERS: readonly string[] = Object.freeze(['x-real-ip', 'true-client-ip', 'x-client-ip', 'cf-connecting-ip']);

/**
 * The request fields dropped for an untrusted peer: the always-dropped ones plus `clientIpHeaders`
 * (any case). Built once at start, so the per-request filter stays one set lookup per field.
 */
export function droppedFieldsForUntrusted(clientIpHeaders: readonly string[]): ReadonlySet<string> {
  return new Set([...DROPPED_REQUEST_FIELDS, ...clientIpHeaders.map((h) => h.toLowerCase())]);
}

/**
 * Adds the lower-case field names one Connection header value lists to `tokens`, bar PROTECTED
 * ones and those removed anyway (so the usual `Connection: keep-alive` builds no set).
 */
function addConnectionTokens(value: string, tokens: Set<string> | undefined): Set<string> | undefined {
  if (value === 'keep-alive' || value === 'close') return tokens;
  for (const t of value.split(',')) {
    const token = t.trim().toLowerCase();
    if (token !== '' && !PROTECTED.has(token) && !ALWAYS_HOP_BY_HOP.has(token)) (tokens ??= new Set()).add(token);
  }
  return tokens;
}

/** Lower-case tokens named by the Connection header values in `raw`. */
function connectionTokens(raw: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 10 && name.toLowerCase() === 'connection') tokens = addConnectionTokens(raw[i + 1]!, tokens);
  }
  return tokens;
}

export interface ForwardedValues {
  readonly xForwardedFor: string;
  readonly xForwardedProto: string;
  readonly xForwardedHost: string;
  readonly forwarded: string;
  readonly requestId: string;
  /**
   * Lower-case request fields not forwarded as sent: for an untrusted peer also the client-IP
   * fields (droppedFieldsForUntrusted). Default: hop-by-hop and proxy-owned fields only.
   */
  readonly dropped?: ReadonlySet<string>;
}

/**
 * The header list sent upstream: the client's fields minus hop-by-hop ones, the proxy-owned
 * ones and (from an untrusted peer) the client-IP ones, then the proxy's forwarding fields.
 */
export function upstreamRequestHeaders(raw: readonly string[], fwd: ForwardedValues): string[] {
  const named = connectionTokens(raw);
  const dropped = fwd.dropped ?? DROPPED_REQUEST_FIELDS;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (dropped.has(lower)) continue;
    if (named !== undefined && named.has(lower)) continue;
    out.push(name, raw[i + 1]!);
  }
  out.push(
    'x-forwarded-for', fwd.xForwardedFor,
    'x-forwarded-proto', fwd.xForwardedProto,
    'x-forwarded-host', fwd.xForwardedHost,
    'forwarded', fwd.forwarded,
    'x-request-id', fwd.requestId,
  );
  return out;
}

/**
 * The response header list for the client from undici's raw response headers (Buffers):
 * hop-by-hop fields removed (node adds its own framing and Connection), x-request-id added
 * when the upstream did not echo it.
 */
export function clientResponseHeaders(raw: readonly Buffer[], requestId: string): string[] {
  const out: string[] = [];
  let named: Set<string> | undefined;
  let hasRequestId = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const lower = name.toLowerCase();
    if (lower === 'connection') {
      named = addConnectionTokens(raw[i + 1]!.toString('latin1'), named);
      continue;
    }
    if (ALWAYS_HOP_BY_HOP.has(lower)) continue;
    if (lower === 'x-request-id') hasRequestId = true;
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  if (named !== undefined) {
    const kept: string[] = [];
    for (let i = 0; i < out.length; i += 2) if (!named.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
    if (!hasRequestId) kept.push('x-request-id', requestId);
    return kept;
  }
  if (!hasRequestId) out.push('x-request-id', requestId);
  return out;
}

/** The value of the first field `lowerName` (lower case) in undici's raw response headers. */
export function rawResponseHeader(raw: readonly Buffer[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === lowerName.length && name.toString('latin1').toLowerCase() === lowerName) return raw[i + 1]!.toString('latin1');
  }
  return undefined;
}

/** The value of the first header `lowerName` in node's raw header list. */
export function rawHeader(raw: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}

/**
 * What is wrong with a request's Transfer-Encoding (node joins repeated fields with ", "), or
 * undefined when it is a lone `chunked`. The body is re-framed upstream, so a coding other than
 * chunked would be dropped silently: RFC 9112 §6.1 says answer 501 to a coding the proxy does
 * not implement. Framing that does not end in chunked, or chunked applied twice, is malformed
 * (400; node's strict parser refuses most of it first).
 */
export function transferCodingProblem(value: string): 'not-implemented' | 'malformed' | undefined {
  if (value.length === 7 && value.toLowerCase() === 'chunked') return undefined;
  const codings = value.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
  const chunked = codings.filter((c) => c === 'chunked').length;
  if (codings.at(-1) !== 'chunked' || chunked > 1) return 'malformed';
  return chunked === codings.length ? undefined : 'not-implemented';
}
