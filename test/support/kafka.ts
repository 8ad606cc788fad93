/**
 * Where the shared test broker and registry are (started once per run by test/harness), and
 * unique names so test files never collide on it.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

export interface TestKafka {
  readonly brokers: string[];
  readonly registryUrl: string;
}

export function testKafka(): TestKafka {
  return { brokers: inject('kafkaBrokers').split(','), registryUrl: inject('schemaRegistryUrl') };
}

/** A name no other test uses: `<label>-<random>`; use it for topic prefixes and group ids. */
export function uniqueName(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}
