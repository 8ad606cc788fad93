/**
 * `npm run test:unit`: every pure unit test (the `*.test.ts` files beside the code in each
 * package's src folder), with no broker, registry or browser: no global setup, no Java, seconds.
 * `npm test` runs these and the integration tests together (vitest.config.ts).
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  root: base.root,
  resolve: base.resolve,
  test: {
    include: ['services/*/src/**/*.test.ts'],
    pool: 'threads',
    testTimeout: 20_000,
  },
});
