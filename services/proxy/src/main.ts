/** The proxy process: readEnv -> config -> create -> listen; SIGTERM/SIGINT drain. */
import { createKafkaBus, createRegistryCodec, type EventBus, isSlbError } from '@slb/core';
import { pino } from 'pino';
import { envToConfig, readEnv } from './config.js';
import { createProxy } from './create-proxy.js';

// A bad environment is one line naming every problem, not a stack trace.
let config: ReturnType<typeof envToConfig>;
try {
  config = envToConfig(readEnv(process.env), process.env);
} catch (error) {
  process.stderr.write(`proxy: ${isSlbError(error) ? `${error.message} [${error.code}]` : String(error)}\n`);
  process.exit(1);
}
// Asynchronous log destination: access logs must not block the request path on stdout.
const logger = pino({ name: 'proxy:http', level: config.logLevel }, pino.destination({ dest: 1, sync: false }));
let bus: EventBus | undefined;
if (config.busEnv !== undefined) {
  const codec = createRegistryCodec({ registryUrl: config.busEnv.registry.url, subjectPrefix: config.topicPrefix, ...(config.busEnv.registry.auth ? { auth: config.busEnv.registry.auth } : {}) });
  bus = createKafkaBus({ connection: config.busEnv.kafka, codec, clientId: config.proxyId, topicPrefix: config.topicPrefix, groupIdPrefix: config.topicPrefix, logger: logger.child({ name: 'proxy:bus' }) });
}
const proxy = createProxy({ ...config, logger, bus });
const { port, adminPort } = await proxy.listen();
logger.info({ proxyId: config.proxyId, port, adminPort, bus: config.bus, services: config.services.length }, 'proxy listening');
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'draining');
    void proxy.drain().then(async (r) => {
      logger.info(r, 'drained');
      await bus?.close();
      logger.flush();
      process.exit(0);
    });
  });
}
