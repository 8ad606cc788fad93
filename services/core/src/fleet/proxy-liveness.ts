/**
 * Is a proxy still there? Judged one way for the whole system from its latest `config-status`:
 * proxies publish a status whenever they apply a config or a routing decision, and the topic is
 * compacted, so the status of a proxy that is gone outlives it. A proxy is **live** while its
 * status is at most `goneAfterMs` old, and **gone** after that. The controller (PROXY_STALE judges
 * live proxies only), the console (convergence per proxy) and slbctl (`status`, and which proxies
 * `config push` waits for) all ask this module. Pure: the time is an argument.
 */

/** How long a proxy's last config-status keeps it live: 5 minutes. */
export const PROXY_GONE_AFTER_MS = 300_000;

export type ProxyLiveness = 'live' | 'gone';

/** When a proxy that last reported at `updatedAtMs` stops being live (it is live up to and including this instant). */
export function proxyGoneAtMs(updatedAtMs: number, goneAfterMs: number = PROXY_GONE_AFTER_MS): number {
  return updatedAtMs + goneAfterMs;
}

/** `live` while the proxy's last status is at most `goneAfterMs` older than `nowMs`, else `gone`. */
export function proxyLiveness(updatedAtMs: number, nowMs: number, goneAfterMs: number = PROXY_GONE_AFTER_MS): ProxyLiveness {
  return nowMs <= proxyGoneAtMs(updatedAtMs, goneAfterMs) ? 'live' : 'gone';
}

export function isProxyLive(updatedAtMs: number, nowMs: number, goneAfterMs: number = PROXY_GONE_AFTER_MS): boolean {
  return proxyLiveness(updatedAtMs, nowMs, goneAfterMs) === 'live';
}
