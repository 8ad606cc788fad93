// Lint config for the whole workspace (kept under test/ so the top level stays the product's own).
// The architecture rules of docs/architecture.md ("Rules the code keeps") are enforced here; each
// message names its rule. test/platform/architecture-rules.test.ts proves each one fails a build.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The role packages: each may import @slb/core, never another role (rule 7). */
export const ROLES = ['proxy', 'health-scorer', 'controller', 'alert-router', 'slbctl'];

/** Folders of pure logic (rule 8): no I/O, no framework, no Kafka client, no clock. */
export const PURE_FOLDERS = [
  'services/proxy/src/balancing',
  'services/proxy/src/resilience',
  'services/health-scorer/src/scoring',
  'services/health-scorer/src/windows',
  'services/controller/src/decisions',
  'services/controller/src/alerts',
  'services/controller/src/ownership',
  'services/core/src/fleet',
];

/** What a pure module may import from core: the subpaths that load nothing with I/O. */
const CORE_PURE_SUBPATHS = ['errors', 'random', 'keys'];

const roleImports = (self) => ({
  patterns: [
    {
      group: ROLES.filter((r) => r !== self).map((r) => `@slb/${r}`).concat(['@slb/standalone']),
      message: 'Rule 7: roles never import each other; they meet through proto/ contracts and @slb/core.',
    },
    {
      regex: `^(\\.\\./)+(${ROLES.concat(['standalone']).filter((r) => r !== self).join('|')})/`,
      message: 'Rule 7: roles never import each other (not by relative path either).',
    },
  ],
});

const pureImports = {
  paths: [{ name: '@slb/core', message: `Rule 8: a pure module imports only @slb/core/{${CORE_PURE_SUBPATHS.join(',')}}, not the core barrel (it loads kafkajs and lz4-napi).` }],
  patterns: [
    {
      group: ['kafkajs', 'fastify', 'fastify/*', '@fastify/*', 'undici', 'pino', 'prom-client', '@kafkajs/*', 'avsc', 'node:*', 'fs', 'http', 'https', 'net', 'tls', 'dgram', 'child_process', 'timers', 'timers/*'],
      message: 'Rule 8: pure logic imports no framework, no Kafka client and nothing with I/O; pass what it needs as arguments.',
    },
    {
      regex: `^@slb/core/(?!(${CORE_PURE_SUBPATHS.join('|')})$)`,
      message: `Rule 8: a pure module imports only @slb/core/{${CORE_PURE_SUBPATHS.join(',')}}.`,
    },
  ],
};

const CLOCK_MESSAGE = 'Rule 8: pure logic takes time as an argument (nowMs), never reads a clock or sets a timer.';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'deployment/kafka/.runtime/**', 'deployment/kafka/lib/**', 'test/.artifacts/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env'] MemberExpression[property.name='NODE_ENV']", message: 'No NODE_ENV branching in product code.' },
      ],
    },
  },
  ...ROLES.map((role) => ({
    files: [`services/${role}/src/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', roleImports(role)] },
  })),
  {
    files: PURE_FOLDERS.map((f) => `${f}/**/*.ts`),
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', pureImports],
      'no-restricted-globals': ['error', ...['setTimeout', 'setInterval', 'setImmediate', 'performance', 'process'].map((name) => ({ name, message: CLOCK_MESSAGE }))],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env'] MemberExpression[property.name='NODE_ENV']", message: 'No NODE_ENV branching in product code.' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: CLOCK_MESSAGE },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: CLOCK_MESSAGE },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Rule 8: pure logic takes its randomness as an argument (seededRandom in tests).' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
