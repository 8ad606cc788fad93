/**
 * PLACEHOLDER: uses KAFKA_BROKERS / SCHEMA_REGISTRY_URL from the environment.
 * The real harness (start broker + registry on free ports when unset) replaces this.
 */
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): void {
  project.provide('kafkaBrokers', process.env.KAFKA_BROKERS ?? '127.0.0.1:19092');
  project.provide('schemaRegistryUrl', process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7');
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    schemaRegistryUrl: string;
  }
}
