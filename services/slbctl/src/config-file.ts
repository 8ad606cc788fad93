/**
 * Config files: one ConfigUpdate per file, in YAML or JSON (JSON is YAML, so one parser reads
 * both). Syntax errors name the line and column. Fields slbctl fills at push time (version,
 * previousVersion, issuedAtMs, issuedBy) may be left out.
 */
import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';
import { SlbError } from '@slb/core';

export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SlbError('SLB_CLI_USAGE', `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
  }
  return parseConfigText(text, path);
}

export function parseConfigText(text: string, source: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos !== undefined ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    // The pretty message repeats the position and quotes the source over several lines.
    const why = ((error as Error).message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    const message = `not valid YAML or JSON${where}: ${why}`;
    throw new SlbError('SLB_SERVICE_CONFIG_INVALID', `${source}: ${message}`, { cause: error, details: { issues: [{ path: '', message }] } });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SlbError('SLB_SERVICE_CONFIG_INVALID', `${source}: must hold one service config (a mapping with serviceId, routes, instances, ...)`, {
      details: { issues: [{ path: '', message: 'must be an object' }] },
    });
  }
  return parsed as Record<string, unknown>;
}
