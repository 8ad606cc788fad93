/** The alert-router process (distributed mode): readEnv -> config -> Kafka bus -> router; SIGTERM/SIGINT close. */
import { Registry } from 'prom-client';
import { createKafkaBusFromConfig, createLogger, isSlbError, startMetricsServer } from '@slb/core';
import { envToConfig, readEnv, type AlertRouterConfig } from './config.js';
import { createAlertRouter } from './create-alert-router.js';


let config: AlertRouterConfig;
try {
  config = envToConfig(readEnv(process.env), process.env);
} catch (error) {
  // One line naming every problem, not a stack: the reader needs to fix the environment.
  process.stderr.write(`alert-router: ${isSlbError(error) ? error.message : String(error)}\n`);
  process.exit(1);
}
const logger = createLogger('alert-router:main', { level: config.logLevel });
const registry = new Registry();
const { topicPrefix: prefix } = config;
const bus = createKafkaBusFromConfig(config.bus, { clientId: 'alert-router', topicPrefix: prefix, groupIdPrefix: prefix, registry, logger: createLogger('alert-router:bus', { level: config.logLevel }) });
const router = createAlertRouter({ ...config, bus, registry, logger: createLogger('alert-router:router', { level: config.logLevel }) });
const server = await startMetricsServer({ registry, host: config.metricsHost, port: config.metricsPort, healthy: () => router.running });
await router.start();
logger.info({ metricsPort: server.port, receivers: [...config.routes.receivers.keys()] }, 'alert-router running');
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'closing');
    void router.close().then(() => bus.close()).then(() => server.close()).then(() => process.exit(0));
  });
}
