/**
 * Loads the user's services file for `npm start -- --config file.yaml` and checks every service
 * the way a proxy would (schema and meaning), reporting every problem at once with its path.
 */
import { checkConfigUpdate, SlbError, type ConfigUpdate } from '@slb/core';
import { readServicesFile } from '@slb/proxy';

export function loadServicesFile(path: string, read: (path: string) => unknown[] = readServicesFile): ConfigUpdate[] {
  let raw: unknown[];
  try {
    raw = read(path);
  } catch (error) {
    throw new SlbError('SLB_CONFIG_INVALID', `${path}: cannot be read: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  const services: ConfigUpdate[] = [];
  const seen = new Map<string, number>();
  raw.forEach((entry, i) => {
    // A file written by hand need not carry the bookkeeping fields the bus adds.
    const withDefaults = typeof entry === 'object' && entry !== null ? { version: 1, issuedAtMs: 0, issuedBy: 'config-file', ...entry } : entry;
    const result = checkConfigUpdate(withDefaults);
    if (!result.ok) {
      for (const issue of result.issues) problems.push(`services[${i}]${issue.path === '' ? '' : `.${issue.path}`}: ${issue.message}`);
      return;
    }
    const first = seen.get(result.value.serviceId);
    if (first !== undefined) problems.push(`services[${i}].serviceId: "${result.value.serviceId}" is already defined by services[${first}]`);
    seen.set(result.value.serviceId, i);
    services.push(result.value);
  });
  if (raw.length === 0) problems.push('services: the file defines no service');
  if (problems.length > 0) {
    throw new SlbError('SLB_CONFIG_INVALID', `${path} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`, { details: { problems } });
  }
  return services;
}
