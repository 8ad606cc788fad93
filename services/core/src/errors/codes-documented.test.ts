import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './codes.js';

// Every stable code is part of the product's interface: it must be documented.
describe('error codes', () => {
  const docs = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.keys(ERROR_CODES))('%s is documented in docs/errors.md', (code) => {
    expect(docs).toMatch(new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`, 'm'));
  });

  it('uses the SLB_ prefix and upper snake case for every code', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(code).toMatch(/^SLB_[A-Z0-9_]+$/);
  });
});
