/**
 * The broker and schema registry every integration test uses, once per `vitest run`:
 * - KAFKA_BROKERS and SCHEMA_REGISTRY_URL both set: use them, start nothing.
 * - otherwise: start a private Kafka + registry (deployment/kafka/kafka-management.sh) on free
 *   ports, provide their addresses, and on teardown stop them and prove no java process of
 *   ours is left. Java and Maven are needed for that; when missing the run fails at once.
 *   The Kafka release is KAFKA_VERSION's, else the default in deployment/kafka/versions.env.
 */
import type { TestProject } from 'vitest/node';
import { javaProcessesOf, missingTools, planLocalKafka, removeRuntimeDir, runManagement, type LocalKafka } from './local-kafka.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    schemaRegistryUrl: string;
  }
}

/** An error vitest prints as its message alone: the reader needs what to do, not our stack. */
function plainError(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return error;
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const { KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl } = process.env;
  if (brokers && registryUrl) {
    project.provide('kafkaBrokers', brokers);
    project.provide('schemaRegistryUrl', registryUrl);
    return undefined;
  }

  const missing = missingTools();
  if (missing.length > 0) {
    throw plainError(
      `The tests need a Kafka broker and schema registry. Either set KAFKA_BROKERS and SCHEMA_REGISTRY_URL, ` +
        `or install ${missing.join(' and ')} so the tests can start a local pair (see docs/local-kafka.md).`,
    );
  }

  const kafka = await planLocalKafka('harness');
  const started = Date.now();
  const start = await runManagement(['start'], kafka.env);
  if (start.code !== 0) {
    await stopAndVerify(kafka).catch(() => undefined);
    throw plainError(`Could not start the test Kafka and registry:\n${start.stdout}${start.stderr}`.trimEnd());
  }
  // "Kafka <version> at ...": which release this run tests (KAFKA_VERSION, else versions.env).
  const version = /Kafka (\S+) at /.exec(start.stdout)?.[1] ?? '(version not reported)';
  process.stderr.write(
    `[harness] Kafka ${version} ${kafka.broker} + registry ${kafka.registryUrl} up in ${((Date.now() - started) / 1000).toFixed(1)} s (${kafka.runtimeDir})\n`,
  );
  project.provide('kafkaBrokers', kafka.broker);
  project.provide('schemaRegistryUrl', kafka.registryUrl);
  return () => stopAndVerify(kafka);
}

async function stopAndVerify(kafka: LocalKafka): Promise<void> {
  const stop = await runManagement(['stop'], kafka.env);
  const leftovers = javaProcessesOf(kafka.runtimeDir);
  for (const { pid } of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (stop.code !== 0 || leftovers.length > 0) {
    process.exitCode = 1;
    throw plainError(
      `The test Kafka/registry did not stop cleanly (logs kept in ${kafka.runtimeDir}):\n${stop.stdout}${stop.stderr}` +
        leftovers.map((p) => `left running (now killed): pid ${p.pid}: ${p.command}`).join('\n'),
    );
  }
  removeRuntimeDir(kafka.runtimeDir);
}
