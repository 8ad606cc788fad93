/**
 * The fleet read model: what every surface (the controller's /api/why, the console, slbctl)
 * reads from the control topics, decided once. Pure (rule 8): no I/O, no clock.
 */
export { PROXY_GONE_AFTER_MS, isProxyLive, proxyGoneAtMs, proxyLiveness, type ProxyLiveness } from './proxy-liveness.js';
export { instanceEntityId, instanceEvidence, instanceRoute, isInstanceRecord, whyInstance, type DecisionAbout, type InstanceRoute, type InstanceWhy, type WhyInput } from './why.js';
