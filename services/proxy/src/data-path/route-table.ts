/**
 * The immutable route table: host + path prefix -> service. A config change builds a new
 * table and swaps one reference, so a request sees either the old or the new table, never a
 * mix. Matching: routes for the request's exact host, then wildcard hosts (`*.example.com`, longest
 * suffix first), then host-less routes; within
 * each, the longest prefix wins; a prefix matches on a segment boundary ("/api" matches
 * "/api", "/api/x" and "/api?q", not "/apix").
 */

export interface RouteEntry<S> {
  readonly host: string | null;
  readonly pathPrefix: string;
  readonly service: S;
}

export interface RouteTable<S> {
  match(host: string | undefined, url: string): S | undefined;
  readonly entries: readonly RouteEntry<S>[];
}

function prefixMatches(prefix: string, url: string): boolean {
  if (!url.startsWith(prefix)) return false;
  if (url.length === prefix.length || prefix.endsWith('/')) return true;
  const next = url.charCodeAt(prefix.length);
  return next === 47 /* / */ || next === 63 /* ? */;
}

/** Host header value without port, lower-cased; IPv6 literals keep their brackets. */
export function normalizeHost(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  let h = host;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end === -1 ? h : h.slice(0, end + 1);
  } else {
    const colon = h.indexOf(':');
    if (colon !== -1) h = h.slice(0, colon);
  }
  return h.toLowerCase();
}

export function buildRouteTable<S>(entries: readonly RouteEntry<S>[]): RouteTable<S> {
  const byHost = new Map<string, RouteEntry<S>[]>();
  // `*.example.com` is kept as its suffix `.example.com`: it matches any host below that domain
  // (one label or more, as Envoy's wildcard domains), never the bare domain itself.
  const byWildcardSuffix = new Map<string, RouteEntry<S>[]>();
  const anyHost: RouteEntry<S>[] = [];
  for (const e of entries) {
    if (e.host === null) anyHost.push(e);
    else {
      const lower = e.host.toLowerCase();
      const [map, key] = lower.startsWith('*.') ? [byWildcardSuffix, lower.slice(1)] : [byHost, lower];
      let list = map.get(key);
      if (list === undefined) map.set(key, (list = []));
      list.push(e);
    }
  }
  // Longest (most specific) suffix first.
  const wildcards = [...byWildcardSuffix].sort(([a], [b]) => b.length - a.length);
  const longestFirst = (a: RouteEntry<S>, b: RouteEntry<S>) => b.pathPrefix.length - a.pathPrefix.length;
  anyHost.sort(longestFirst);
  for (const list of byHost.values()) list.sort(longestFirst);
  const frozen = Object.freeze([...entries]);

  const scan = (list: readonly RouteEntry<S>[], url: string): S | undefined => {
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (prefixMatches(e.pathPrefix, url)) return e.service;
    }
    return undefined;
  };

  return {
    entries: frozen,
    match(host, url) {
      if (byHost.size > 0 || wildcards.length > 0) {
        const h = normalizeHost(host);
        if (h !== undefined) {
          const list = byHost.get(h);
          const hit = list === undefined ? undefined : scan(list, url);
          if (hit !== undefined) return hit;
          for (const [suffix, wildList] of wildcards) {
            if (h.length > suffix.length && h.endsWith(suffix)) {
              const wildHit = scan(wildList, url);
              if (wildHit !== undefined) return wildHit;
            }
          }
        }
      }
      return scan(anyHost, url);
    },
  };
}
