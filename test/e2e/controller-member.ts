/**
 * A controller member in a child process, so the member-failover test can kill it with SIGKILL
 * (no leave, no goodbye). Options come as one JSON argument; it prints {"started":true} once it
 * has joined its group.
 */
import { Registry } from 'prom-client';
import { createKafkaBus, createRegistryCodec } from '@slb/core';
import { createController } from '../../services/controller/src/index.js';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  brokers: string[];
  registryUrl: string;
  prefix: string;
  groupId: string;
  member: string;
  policy: Record<string, number>;
};
const bus = createKafkaBus({
  connection: { brokers: options.brokers },
  codec: createRegistryCodec({ registryUrl: options.registryUrl, subjectPrefix: options.prefix }),
  clientId: options.member,
  topicPrefix: options.prefix,
  groupIdPrefix: options.prefix,
  registry: new Registry(),
});
const controller = createController({
  bus,
  member: options.member,
  groupId: options.groupId,
  fromBeginning: true,
  policy: options.policy,
  alertPolicy: { resolveHoldMs: 500 },
  batchMs: 100,
  tickMs: 250,
});
await controller.start();
process.stdout.write(`${JSON.stringify({ started: true })}\n`);
