/** The controller process (distributed mode): readEnv -> config -> Kafka bus -> controller + console; SIGTERM/SIGINT stop. */
import { Registry } from 'prom-client';
import { createKafkaBusFromConfig, createKafkaClient, createLogger, isSlbError } from '@slb/core';
import { envToConfig, readEnv, type ControllerConfig } from './config.js';
import { createController } from './create-controller.js';
import { createKafkaLagReader } from './kafka-lag.js';
import { startConsoleServer } from './console-server.js';
import { consolePlugin } from './console/index.js';

let config: ControllerConfig;
try {
  config = envToConfig(readEnv(process.env), process.env);
} catch (error) {
  process.stderr.write(`controller: ${isSlbError(error) ? error.message : String(error)}\n`);
  process.exit(1);
}
const log = (sub: string) => createLogger(`controller:${sub}`, { level: config.logLevel });
const { topicPrefix: prefix, groupId, member } = config;
const registry = new Registry();
const bus = createKafkaBusFromConfig(config.bus, { clientId: member, topicPrefix: prefix, groupIdPrefix: prefix, registry, logger: log('bus') });
const lag = createKafkaLagReader(createKafkaClient({ clientId: `${member}-lag`, connection: config.bus.kafka }), prefix + groupId, ['health-scores', 'config-updates'].map((t) => ({ logical: t, physical: prefix + t })));
const controller = createController({ bus, member, groupId, registry, logger: log('decisions'), lagReader: () => lag.read(), ...(config.signingKey === undefined ? {} : { signingKey: config.signingKey }) });
const server = await startConsoleServer({
  controller, registry, host: config.consoleHost, port: config.consolePort, adminToken: config.adminToken,
  // Each console sees the whole fleet, so its group is per member, not shared (the bus adds the topic prefix).
  extend: async (app) => {
    await app.register(consolePlugin, { bus, groupId: `slb-console-${member}` });
  },
});
await controller.start();
log('main').info({ member, groupId, console: server.url }, 'controller running');
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void controller.stop().then(() => Promise.all([bus.close(), lag.close(), server.close()])).then(() => process.exit(0)));
}
