/**
 * What a role's entry point calls in distributed mode: the environment's Kafka and registry
 * settings (config/readBusEnv) in, a Kafka bus with its registry codec out.
 */
import { createRegistryCodec } from '../contracts/index.js';
import type { BusEnvConfig } from '../config/kafka-env.js';
import { createKafkaBus, type KafkaBus, type KafkaBusOptions } from './kafka-bus.js';

export interface BusFromConfigOptions extends Omit<KafkaBusOptions, 'connection' | 'codec'> {
  /** Registry subjects are `${subjectPrefix}${topic}-value` (default: the topicPrefix). */
  readonly subjectPrefix?: string;
}

export function createKafkaBusFromConfig(config: BusEnvConfig, options: BusFromConfigOptions = {}): KafkaBus {
  const { subjectPrefix, ...busOptions } = options;
  const codec = createRegistryCodec({
    registryUrl: config.registry.url,
    subjectPrefix: subjectPrefix ?? options.topicPrefix ?? '',
    ...(config.registry.auth === undefined ? {} : { auth: config.registry.auth }),
  });
  return createKafkaBus({ ...busOptions, connection: config.kafka, codec });
}
