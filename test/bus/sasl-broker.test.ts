/**
 * The bus's SASL options against a real broker that demands them: a private single-node KRaft
 * broker whose client listener is SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512
 * (SCRAM users added at storage format time, KIP-900). The bus is built the way every role
 * builds it, from environment variables (readBusEnv -> createKafkaBusFromConfig).
 * TLS is not exercised here (see docs/event-bus.md).
 */
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKafkaBusFromConfig, ensureTopics, exampleEvents, readBusEnv, type Alert } from '@slb/core';
import { freePort, start, type Started } from '../deployment/processes.js';
import { testKafka, uniqueName } from '../support/kafka.js';

const KAFKA_LIB = fileURLToPath(new URL('../../deployment/kafka/lib/kafka-3.9.1/', import.meta.url));
const USERS = {
  PLAIN: { username: 'alice', password: 'alice-plain' },
  'SCRAM-SHA-256': { username: 'bob', password: 'bob-scram-256' },
  'SCRAM-SHA-512': { username: 'carol', password: 'carol-scram-512' },
} as const;

describe('Kafka bus with SASL against a broker that requires it', () => {
  const dir = fileURLToPath(new URL(`../.artifacts/${uniqueName('sasl-broker')}/`, import.meta.url));
  const prefix = `${uniqueName('sasl')}.`;
  let broker: Started | undefined;
  let saslAddress = '';

  beforeAll(async () => {
    const [plainPort, saslPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
    saslAddress = `127.0.0.1:${saslPort}`;
    mkdirSync(dir, { recursive: true });
    const properties = join(dir, 'server.properties');
    writeFileSync(
      properties,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
        `listeners=PLAINTEXT://127.0.0.1:${plainPort},SASL_PLAINTEXT://${saslAddress},CONTROLLER://127.0.0.1:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${plainPort},SASL_PLAINTEXT://${saslAddress}`,
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
        'inter.broker.listener.name=PLAINTEXT',
        'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
        `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_${USERS.PLAIN.username}="${USERS.PLAIN.password}";`,
        'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
        `log.dirs=${join(dir, 'data')}`,
        'num.partitions=3',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=false',
      ].join('\n'),
    );
    const classpath = `${KAFKA_LIB}*`;
    const java = ['-Xmx384m', '-XX:TieredStopAtLevel=1', '-Dlog4j.configuration=file:/dev/null', `-Dslb.runtime=${dir}`, '-cp', classpath];
    execFileSync('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', randomUUID(), '-c', properties,
      '--add-scram', `SCRAM-SHA-256=[name=${USERS['SCRAM-SHA-256'].username},password=${USERS['SCRAM-SHA-256'].password}]`,
      '--add-scram', `SCRAM-SHA-512=[name=${USERS['SCRAM-SHA-512'].username},password=${USERS['SCRAM-SHA-512'].password}]`,
    ], { stdio: 'ignore', timeout: 60_000 });
    broker = start('java', [...java, 'kafka.Kafka', properties]);

    // Topics are made over the broker's own PLAINTEXT listener; clients use only the SASL one.
    const admin = new Kafka({ brokers: [`127.0.0.1:${plainPort}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
    await vi.waitFor(() => admin.connect(), { timeout: 90_000, interval: 500 });
    try {
      await ensureTopics(admin, { prefix, topics: ['alerts', 'dead-letters'] });
    } finally {
      await admin.disconnect();
    }
  }, 150_000);

  afterAll(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const busFor = (env: Record<string, string>) =>
    createKafkaBusFromConfig(readBusEnv({ KAFKA_BROKERS: saslAddress, SCHEMA_REGISTRY_URL: testKafka().registryUrl, ...env }), {
      clientId: 'sasl-test',
      topicPrefix: prefix,
      groupIdPrefix: prefix,
      deliveryTimeoutMs: 10_000,
    });

  it.each(Object.entries(USERS))('publishes and consumes with %s credentials from the environment', async (mechanism, user) => {
    const bus = busFor({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: user.username, KAFKA_SASL_PASSWORD: user.password });
    try {
      const alert: Alert = { ...exampleEvents().alerts, dedupKey: `sasl-${mechanism}`, summary: `over ${mechanism}` };
      const received: Alert[] = [];
      await bus.subscribe(['alerts'], { groupId: uniqueName(`sasl-${mechanism}`), fromBeginning: true }, (m) => {
        if (m.value.dedupKey === alert.dedupKey) received.push(m.value);
      });
      await bus.publish('alerts', alert.serviceId, alert);
      await vi.waitFor(() => expect(received.map((a) => a.summary)).toEqual([`over ${mechanism}`]), { timeout: 30_000 });
    } finally {
      await bus.close();
    }
  });

  it.each([
    // The broker's own reason comes through.
    ['a wrong SCRAM password', { KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'bob', KAFKA_SASL_PASSWORD: 'not-bobs' }, /authentication failed.*invalid credentials/i],
    // A SASL listener just closes a client that does not authenticate; that is all there is to say.
    ['no credentials at all', {}, /Closed connection/],
  ] as const)('refuses to deliver with %s, and says so', async (_label, env, reason) => {
    const bus = busFor(env);
    try {
      const alert: Alert = { ...exampleEvents().alerts, dedupKey: uniqueName('refused') };
      const error = await bus.publish('alerts', alert.serviceId, alert).then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'SLB_PUBLISH_FAILED' });
      expect((error as Error).message).toMatch(reason);
    } finally {
      await bus.close();
    }
  }, 60_000);
});
