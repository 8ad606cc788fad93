/** The health-scorer process (distributed mode): readEnv -> config -> Kafka client + codec -> scorer; SIGTERM/SIGINT stop. */
import { Registry } from 'prom-client';
import { createKafkaClient, createLogger, createRegistryCodec, isSlbError, startMetricsServer } from '@slb/core';
import { envToConfig, readEnv } from './config.js';
import { createHealthScorer } from './create-health-scorer.js';


// A bad environment is one line naming every problem, not a stack trace.
let config: ReturnType<typeof envToConfig>;
try {
  config = envToConfig(readEnv(process.env), process.env);
} catch (error) {
  process.stderr.write(`health-scorer: ${isSlbError(error) ? `${error.message} [${error.code}]` : String(error)}\n`);
  process.exit(1);
}
const logger = createLogger('health-scorer:main', { level: config.logLevel });
const registry = new Registry();
const { registry: reg, kafka: connection } = config.bus;
const kafka = createKafkaClient({ clientId: `health-scorer-${config.memberName}`, connection, logger: createLogger('health-scorer:kafka', { level: config.logLevel }) });
const codec = createRegistryCodec({ registryUrl: reg.url, subjectPrefix: config.topicPrefix, ...(reg.auth === undefined ? {} : { auth: reg.auth }) });
const scorer = createHealthScorer({
  transport: { kind: 'kafka', kafka, codec, topicPrefix: config.topicPrefix },
  groupId: config.groupId,
  memberName: config.memberName,
  window: { sizeMs: config.windowMs },
  registry,
  logger: createLogger('health-scorer:scorer', { level: config.logLevel }),
});
const server = await startMetricsServer({ registry, host: config.metricsHost, port: config.metricsPort, healthy: () => scorer.running });
await scorer.start();
logger.info({ group: config.groupId, member: config.memberName, metricsPort: server.port }, 'health-scorer running');
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping');
    void scorer.stop().then(() => server.close()).then(() => process.exit(0));
  });
}
