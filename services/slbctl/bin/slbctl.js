#!/usr/bin/env node
// The `slbctl` command (`npx slbctl` after `npm install`). npm links a workspace's bin while it
// installs, before the TypeScript build exists, and skips a link whose target is missing, so the
// link points here (a committed file) rather than at dist/main.js. The root `prepare` script
// builds dist/ at the end of the same `npm install`.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('slbctl is not built yet: run `npm install` (or `npx tsc -b`) in the repository first\n');
  process.exit(2);
}
await import(main.href);
