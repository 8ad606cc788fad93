// Regenerates the table in docs/errors.md from the registry: npx tsx test/support/gen-errors-doc.ts
import { writeFileSync } from 'node:fs';
import { ERROR_CODES, type ErrorCodeEntry } from '../../services/core/src/errors/codes.js';

const rows = Object.entries(ERROR_CODES as Record<string, ErrorCodeEntry>).map(
  ([code, e]) => `| \`${code}\` | ${e.httpStatus ?? '—'} | ${e.retriable ? 'yes' : 'no'} | ${e.summary} |`,
);
const text = `# Error codes

Every error the product raises carries a stable \`code\` (never reused or renamed), whether it may
succeed on retry, and, where it reaches an HTTP client, the status it is answered with. HTTP
errors have the body \`{"code": "...", "message": "..."}\`. The registry is
\`services/core/src/errors/codes.ts\`; this table is generated from it
(\`npx tsx test/support/gen-errors-doc.ts\`) and a test fails when a code is missing here.

| code | HTTP | retriable | meaning |
|---|---|---|---|
${rows.join('\n')}
`;
writeFileSync(new URL('../../docs/errors.md', import.meta.url), text);
