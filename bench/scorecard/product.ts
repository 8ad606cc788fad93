/**
 * Which build of the product the scorecard runs: this repository's by default, or another
 * checkout's (--product DIR), e.g. a snapshot of a commit, so that a run is not measuring a
 * build that someone rebuilds halfway through.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root = fileURLToPath(new URL('../../', import.meta.url));

export function useProduct(dir: string): void {
  root = resolve(dir);
}

export function productRoot(): string {
  return root;
}

/** services/<role>/dist/main.js of the product under test. */
export function roleMain(role: 'standalone' | 'proxy' | 'health-scorer' | 'controller' | 'slbctl'): string {
  return join(root, 'services', role, 'dist', 'main.js');
}
