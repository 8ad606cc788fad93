/**
 * deployment/docker/Dockerfile cannot be built here (no Docker engine), so this checks what
 * breaks it most often: a COPY of a path that does not exist or that the ignore file keeps out
 * of the build context, and a workspace package the image forgets.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './tools.js';

const dockerDir = path.join(repoRoot, 'deployment/docker');
const dockerfile = readFileSync(path.join(dockerDir, 'Dockerfile'), 'utf8');
const ignoreLines = readFileSync(path.join(dockerDir, 'Dockerfile.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const workspaces = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;

interface Copy {
  readonly from: string | undefined;
  readonly sources: string[];
  readonly stage: string;
}

function copies(): Copy[] {
  const result: Copy[] = [];
  let stage = '';
  for (const line of dockerfile.split('\n')) {
    const fromMatch = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line);
    if (fromMatch) stage = fromMatch[1]!;
    const copyMatch = /^COPY\s+(.*)$/.exec(line);
    if (!copyMatch) continue;
    const words = copyMatch[1]!.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    result.push({ from, sources: paths.slice(0, -1), stage });
  }
  return result;
}

/** Docker's ignore-file patterns, enough for ours: `**` any depth, `*` within one segment. */
function patternToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/\/$/, '')
    .split('**')
    .map((part) => part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${body}(/.*)?$`);
}

/** Whether a file path is sent in the build context: the last matching line decides. */
function inContext(file: string): boolean {
  let included = true;
  for (const line of ignoreLines) {
    const negated = line.startsWith('!');
    if (patternToRegExp(negated ? line.slice(1) : line).test(file)) included = negated;
  }
  return included;
}

describe('Dockerfile', () => {
  const contextCopies = copies().filter((c) => c.from === undefined);

  it('copies only paths that exist and that the ignore file lets into the build context', () => {
    expect(contextCopies.length).toBeGreaterThan(0);
    for (const source of contextCopies.flatMap((c) => c.sources)) {
      const clean = source.replace(/\/$/, '');
      expect(existsSync(path.join(repoRoot, clean)), `${source} does not exist`).toBe(true);
      const probe = source.endsWith('/') ? `${clean}/x.ts` : clean;
      expect(inContext(probe), `${source} is excluded by Dockerfile.dockerignore`).toBe(true);
    }
  });

  it('keeps local builds and dependencies out of the build context', () => {
    for (const file of ['node_modules/yaml/package.json', 'services/core/dist/index.js', 'services/proxy/node_modules/x/index.js', '.git/config', 'test/deployment/x.test.ts', 'deployment/kafka/lib/kafka.jar']) {
      expect(inContext(file), file).toBe(false);
    }
  });

  it('installs and builds every workspace package and ships its dist/', () => {
    const buildSources = contextCopies.flatMap((c) => c.sources);
    const runtimeSources = copies().filter((c) => c.from === 'build').flatMap((c) => c.sources);
    expect(workspaces.length).toBeGreaterThan(0);
    for (const ws of workspaces) {
      expect(buildSources, ws).toContain(`${ws}/package.json`);
      expect(buildSources, ws).toContain(`${ws}/src/`);
      expect(buildSources, ws).toContain(`${ws}/tsconfig.json`);
      expect(runtimeSources, ws).toContain(`/app/${ws}/package.json`);
      expect(runtimeSources, ws).toContain(`/app/${ws}/dist/`);
    }
  });

  it('builds on node:20-slim from the lockfile with npm install and npm run build', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-slim$/m);
    expect(dockerfile).toMatch(/^RUN npm install --no-audit --no-fund$/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
