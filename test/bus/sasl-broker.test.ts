/**
 * The bus's SASL options against a real broker that demands them: a private single-node KRaft
 * broker whose client listener is SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512
 * (SCRAM users added at storage format time, KIP-900). The bus is built the way every role
 * builds it, from environment variables (readBusEnv -> createKafkaBusFromConfig).
 * The broker runs from the jars of the Kafka release the rest of the run uses (KAFKA_VERSION,
 * else deployment/kafka/versions.env), as kafka-management.sh resolves them.
 * TLS is not exercised here (see docs/event-bus.md).
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKafkaBusFromConfig, ensureTopics, exampleEvents, readBusEnv, type Alert } from '@slb/core';
import { freePort, start, type Started } from '../deployment/processes.js';
import { kafkaInstallation } from '../harness/local-kafka.js';
import { testKafka, uniqueName } from '../support/kafka.js';

const USERS = {
  PLAIN: { username: 'alice', password: 'alice-plain' },
  'SCRAM-SHA-256': { username: 'bob', password: 'bob-scram-256' },
  'SCRAM-SHA-512': { username: 'carol', password: 'carol-scram-512' },
} as const;
const kafka = await kafkaInstallation();

describe(`Kafka bus with SASL against a broker that requires it (Kafka ${kafka.version})`, () => {
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
    // Warnings and errors only, on the output start() keeps; Kafka 3.x reads the reload4j file,
    // 4.x the log4j2 one, and each ignores the other's property.
    const log4j = join(dir, 'log4j.properties');
    const log4j2 = join(dir, 'log4j2.properties');
    writeFileSync(log4j, ['log4j.rootLogger=WARN, stderr', 'log4j.appender.stderr=org.apache.log4j.ConsoleAppender', 'log4j.appender.stderr.Target=System.err',
      'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout', 'log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n'].join('\n'));
    writeFileSync(log4j2, ['appender.stderr.type=Console', 'appender.stderr.name=stderr', 'appender.stderr.target=SYSTEM_ERR', 'appender.stderr.layout.type=PatternLayout',
      'appender.stderr.layout.pattern=[%d] %p %m (%c)%n', 'rootLogger.level=warn', 'rootLogger.appenderRef.stderr.ref=stderr'].join('\n'));
    const java = ['-Xmx384m', '-XX:TieredStopAtLevel=1', `-Dlog4j.configuration=file:${log4j}`, `-Dlog4j2.configurationFile=${log4j2}`, `-Dslb.runtime=${dir}`, '-cp', `${kafka.lib}/*`];
    // A cluster id as Kafka makes them (16 random bytes, base64url); `=` so one starting with '-' is not an option.
    const clusterId = randomBytes(16).toString('base64url');
    execFileSync('java', [...java, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', properties,
      '--add-scram', `SCRAM-SHA-256=[name=${USERS['SCRAM-SHA-256'].username},password=${USERS['SCRAM-SHA-256'].password}]`,
      '--add-scram', `SCRAM-SHA-512=[name=${USERS['SCRAM-SHA-512'].username},password=${USERS['SCRAM-SHA-512'].password}]`,
    ], { stdio: 'pipe', timeout: 60_000 });
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
