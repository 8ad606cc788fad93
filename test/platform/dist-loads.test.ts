/**
 * vitest resolves CommonJS named imports that plain Node's ESM loader refuses, so a package can
 * pass every test and still fail to start. Load each built package the way `node` will.
 * (npm test builds first: see the root package.json `pretest`.)
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const servicesDir = fileURLToPath(new URL('../../services/', import.meta.url));
const packages = readdirSync(servicesDir);

describe('built packages load under plain Node', () => {
  it.each(packages)('services/%s/dist/index.js', (name) => {
    const entry = `${servicesDir}${name}/dist/index.js`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(entry)}); console.log('loaded')`], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out.trim()).toBe('loaded');
  });
});
