/**
 * A health-scorer member for the failover test, run in a child process so it can be killed
 * with SIGKILL. Options come as one JSON argument; it prints {"owned":[...]} whenever the set of
 * partitions it owns changes.
 */
import kafkajs from 'kafkajs';
import { createRegistryCodec } from '@slb/core';
import { createHealthScorer } from '../../services/health-scorer/src/index.js';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  brokers: string[];
  registryUrl: string;
  prefix: string;
  groupId: string;
  memberName: string;
  window: { sizeMs: number; allowedLatenessMs: number; idleTimeoutMs: number };
  sessionTimeoutMs: number;
};
const kafka = new kafkajs.Kafka({ brokers: options.brokers, clientId: options.memberName, logLevel: kafkajs.logLevel.NOTHING });
const codec = createRegistryCodec({ registryUrl: options.registryUrl, subjectPrefix: options.prefix });
const scorer = createHealthScorer({
  transport: { kind: 'kafka', kafka, codec, topicPrefix: options.prefix },
  groupId: options.groupId,
  memberName: options.memberName,
  window: options.window,
  sessionTimeoutMs: options.sessionTimeoutMs,
  fromBeginning: true,
});
await scorer.start();
let last = '';
setInterval(() => {
  const owned = JSON.stringify(scorer.owned());
  if (owned === last) return;
  last = owned;
  process.stdout.write(`${JSON.stringify({ owned: scorer.owned() })}\n`);
}, 50);
