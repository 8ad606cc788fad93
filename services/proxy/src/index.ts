export { createProxy, type Proxy, type ProxyAddresses, type ProxyStateView } from './create-proxy.js';
export { envToConfig, readEnv, readServicesFile, type ProxyConfig, type ProxyEnv } from './config.js';
export { DEFAULT_LIMITS, SYSTEM_CLOCK, type Clock, type ProxyLimits, type ProxyOptions } from './options.js';
export type { ApplyResult } from './control-plane.js';
export { bearerMatches } from './admin.js';
export { buildRouteTable, type RouteTable } from './route-table.js';
export { upstreamRequestHeaders, clientResponseHeaders } from './headers.js';
export * from './balancing/index.js';
