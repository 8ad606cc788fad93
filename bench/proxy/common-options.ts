/**
 * The command-line options every proxy benchmark shares (CPU placement, which proxy build to
 * run, which Kafka and registry the slb-kafka peer talks to) and what they resolve to, so the
 * benchmarks cannot drift apart on defaults.
 */
import { resolve } from 'node:path';
import { kafkaEnvFor, type KafkaEnvs } from './kafka-env.js';
import { DEFAULT_PROXY_MAIN } from './peers.js';

export const COMMON_OPTIONS = {
  'proxy-cpus': { type: 'string', default: '0' },
  'load-cpus': { type: 'string', default: '1' },
  'proxy-main': { type: 'string', default: DEFAULT_PROXY_MAIN },
  'kafka-brokers': { type: 'string', default: '127.0.0.1:19092' },
  'schema-registry': { type: 'string', default: 'http://127.0.0.1:18081/apis/ccompat/v7' },
} as const;

type CommonValues = { readonly [K in keyof typeof COMMON_OPTIONS]: string };

export interface CommonSettings {
  readonly proxyCpus: string;
  readonly loadCpus: string;
  /** Absolute path of the proxy's main module. */
  readonly proxyMain: string;
  readonly kafka: KafkaEnvs;
}

export function commonSettings(opt: CommonValues): CommonSettings {
  const proxyMain = resolve(opt['proxy-main']);
  return {
    proxyCpus: opt['proxy-cpus'],
    loadCpus: opt['load-cpus'],
    proxyMain,
    kafka: kafkaEnvFor(proxyMain, { brokers: opt['kafka-brokers'], registryUrl: opt['schema-registry'] }),
  };
}
