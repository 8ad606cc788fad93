/**
 * This proxy with its telemetry fully on: the same createProxy as services/proxy/dist/main.js,
 * plus an in-process bus (standalone mode's), so every telemetry window builds its DDSketches
 * and publishes service-metrics events. main.js wires no bus, so there its window timer only
 * resets counters; this entry measures what telemetry costs when it is really produced.
 *
 *   node bench/proxy/proxy-with-bus.mjs <path of the proxy's dist/main.js>
 *
 * Plain JavaScript on purpose: run without tsx, its RSS and CPU compare with main.js's.
 * Loads createProxy from the dist/ next to that main.js and @slb/core as that build resolves
 * it, so it runs exactly the build under test. Env as main.js (SLB_PROXY_PORT, ...).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const mainJs = process.argv[2];
if (mainJs === undefined) throw new Error('usage: proxy-with-bus.mjs <proxy dist/main.js>');
const proxyIndex = join(dirname(mainJs), 'index.js');
const requireFromProxy = createRequire(proxyIndex);
const load = (specifier) => import(pathToFileURL(requireFromProxy.resolve(specifier)).href);
const { createProxy, envToConfig, readEnv } = await import(pathToFileURL(proxyIndex).href);
const { createInProcessBus } = await load('@slb/core');
const { pino } = await load('pino');

const config = envToConfig(readEnv(process.env));
const logger = pino({ name: 'proxy:http', level: config.logLevel }, pino.destination({ dest: 1, sync: false, minLength: 4096 }));
const bus = createInProcessBus({ logger });
const proxy = createProxy({ ...config, logger, bus });
await proxy.listen();
process.once('SIGTERM', () => {
  void proxy.close().then(() => bus.close().then(() => process.exit(0)));
});
