import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = (name: string) => fileURLToPath(new URL(`../services/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  root,
  resolve: {
    // Tests run the TypeScript sources of the workspace packages, not their dist/ builds.
    alias: [
      // Pure modules import only the error registry, not the Kafka-laden core index.
      ...Object.entries({ errors: 'errors/index.ts', retry: 'retry/index.ts', clock: 'clock/index.ts', random: 'random/index.ts', keys: 'topics/keys.ts' }).map(([sub, file]) => ({
        find: new RegExp(`^@slb/core/${sub}$`),
        replacement: fileURLToPath(new URL(`../services/core/src/${file}`, import.meta.url)),
      })),
      ...Object.entries({
      '@slb/core': pkg('core'),
      '@slb/proxy': pkg('proxy'),
      '@slb/health-scorer': pkg('health-scorer'),
      '@slb/controller': pkg('controller'),
      '@slb/alert-router': pkg('alert-router'),
      '@slb/slbctl': pkg('slbctl'),
      '@slb/standalone': pkg('standalone'),
      }).map(([name, replacement]) => ({ find: new RegExp(`^${name}$`), replacement })),
    ],
  },
  test: {
    include: ['services/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
