export { createStandalone, type Standalone, type StandaloneOptions, type StandaloneUrls } from './standalone.js';
export { parseStandaloneArgs, USAGE, type StandaloneConfig } from './config.js';
export { loadServicesFile } from './services-file.js';
export { createDemoUpstream, knobProblems, type DemoUpstream, type DemoKnobs } from './demo/demo-upstream.js';
export { DEMO_SERVICES, demoServiceConfig } from './demo/demo-services.js';
export { startDemoTraffic } from './demo/demo-traffic.js';
