/**
 * The architecture rules of docs/architecture.md are enforced by lint (test/eslint.config.js):
 * each broken rule below fails the lint with a message that names the rule, and the same code
 * where the rule allows it passes. Lint runs the real config on code placed (virtually) in the
 * real folders, so moving a folder or loosening the config fails here.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root, overrideConfigFile: 'test/eslint.config.js' });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return (result?.messages ?? []).filter((m) => m.ruleId !== '@typescript-eslint/no-unused-vars').map((m) => m.message);
}

describe('architecture rules fail the lint when broken', () => {
  it.each([
    // [case, file, code, the rule its message must name (null: allowed)]
    ['a role imports another role', 'services/proxy/src/x.ts', "import { createController } from '@slb/controller';\nexport { createController };", 'Rule 7'],
    ['a role imports another role by relative path', 'services/slbctl/src/x.ts', "import { why } from '../../controller/src/why.js';\nexport { why };", 'Rule 7'],
    ['a role imports core', 'services/proxy/src/x.ts', "import { SlbError } from '@slb/core';\nexport { SlbError };", null],
    ['standalone assembles every role', 'services/standalone/src/x.ts', "import { createController } from '@slb/controller';\nexport { createController };", null],
    ['pure logic imports a Kafka client', 'services/controller/src/decisions/x.ts', "import { Kafka } from 'kafkajs';\nexport { Kafka };", 'Rule 8'],
    ['pure logic imports a framework', 'services/proxy/src/balancing/x.ts', "import fastify from 'fastify';\nexport { fastify };", 'Rule 8'],
    ['pure logic imports node I/O', 'services/health-scorer/src/windows/x.ts', "import { readFileSync } from 'node:fs';\nexport { readFileSync };", 'Rule 8'],
    ['pure logic imports the core barrel', 'services/health-scorer/src/scoring/x.ts', "import { SlbError } from '@slb/core';\nexport { SlbError };", 'Rule 8'],
    ['pure logic imports a core subpath with I/O', 'services/controller/src/alerts/x.ts', "import { retry } from '@slb/core/retry';\nexport { retry };", 'Rule 8'],
    ['pure logic imports the error registry', 'services/controller/src/ownership/x.ts', "import { SlbError } from '@slb/core/errors';\nexport { SlbError };", null],
    ['pure logic reads the clock', 'services/proxy/src/resilience/x.ts', 'export const at = (): number => Date.now();', 'Rule 8'],
    ['pure logic makes a date of now', 'services/controller/src/decisions/x.ts', 'export const at = (): Date => new Date();', 'Rule 8'],
    ['pure logic sets a timer', 'services/proxy/src/balancing/x.ts', 'export const later = (f: () => void): unknown => setTimeout(f, 1);', 'Rule 8'],
    ['pure logic draws its own randomness', 'services/proxy/src/balancing/x.ts', 'export const pick = (): number => Math.random();', 'Rule 8'],
    ['pure logic formats a given time', 'services/controller/src/decisions/x.ts', 'export const iso = (ms: number): string => new Date(ms).toISOString();', null],
    ['a pure folder\'s test may use the clock', 'services/controller/src/decisions/x.test.ts', 'export const at = (): number => Date.now();', null],
    ['the wiring may use the clock', 'services/controller/src/service-loop.ts', 'export const at = (): number => Date.now();', null],
  ] as const)('%s', async (_name, file, code, rule) => {
    const found = await problems(file, code);
    if (rule === null) expect(found).toEqual([]);
    else expect(found.some((m) => m.includes(`${rule}:`)), found.join(" | ")).toBe(true);
  });
});
