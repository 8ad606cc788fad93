/** The `slb-kafka` peer's Kafka namespace, created on first use and closed by the caller. */
import { createKafkaNamespace, type KafkaNamespace, type KafkaTarget } from './kafka-namespace.js';
import { PeerNotRunnable, type PeerKind } from './peers.js';

export interface KafkaEnvs {
  /** Extra env for `kind` (empty for every kind but slb-kafka). */
  envFor(kind: PeerKind): Promise<Record<string, string> | undefined>;
  /** Records per topic the slb-kafka peer wrote (undefined when it never ran). */
  close(): Promise<Record<string, number> | undefined>;
}

export function kafkaEnvFor(proxyMain: string, target: KafkaTarget): KafkaEnvs {
  let ns: Promise<KafkaNamespace> | undefined;
  return {
    async envFor(kind) {
      if (kind !== 'slb-kafka') return undefined;
      ns ??= createKafkaNamespace(proxyMain, target);
      try {
        return (await ns).env;
      } catch (err) {
        throw new PeerNotRunnable(`Kafka namespace not created: ${(err as Error).message.split('\n')[0]}`);
      }
    },
    async close() {
      if (ns === undefined) return undefined;
      const n = await ns.catch(() => undefined);
      return n?.close();
    },
  };
}
