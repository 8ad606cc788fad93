export { createProxy, type Proxy, type ProxyAddresses, type ProxyStateView } from './create-proxy.js';
export { envToConfig, readEnv, readServicesFile, type ProxyConfig, type ProxyEnv } from './config.js';
export { DEFAULT_LIMITS, type ProxyLimits, type ProxyOptions } from './options.js';
export type { ApplyResult } from './control/control-plane.js';
export { bearerMatches } from './operations/admin.js';
export { buildRouteTable, type RouteTable } from './data-path/route-table.js';
export { upstreamRequestHeaders, clientResponseHeaders } from './data-path/headers.js';
export * from './balancing/index.js';
