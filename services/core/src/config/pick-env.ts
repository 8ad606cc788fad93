/**
 * The variables a role owns, picked out of an environment: trimmed, and absent when empty, so
 * `FOO=` behaves like an unset FOO and each role's envToConfig sees only its own keys.
 */
export function pickEnv<K extends string>(env: NodeJS.ProcessEnv, keys: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const v = env[key]?.trim();
    if (v !== undefined && v !== '') out[key] = v;
  }
  return out;
}
