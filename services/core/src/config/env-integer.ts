/**
 * Reads an integer variable within [min, max] for a role's envToConfig. A bad value is added to
 * `problems` (so every problem is reported at once) and the fallback is returned.
 */
export function envInteger<F extends string>(
  raw: Partial<Record<F, string>>,
  field: F,
  fallback: number,
  range: { readonly min: number; readonly max: number },
  problems: { field: string; message: string }[],
): number {
  const value = raw[field];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < range.min || n > range.max) {
    problems.push({ field, message: `must be an integer from ${range.min} to ${range.max}, got "${value}"` });
    return fallback;
  }
  return n;
}
