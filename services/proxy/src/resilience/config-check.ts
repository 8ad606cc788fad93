import { SlbError } from '@slb/core/errors';

/**
 * Collects every problem of an options object before failing, so one SLB_CONFIG_INVALID names
 * them all (the house rule for config), instead of failing on the first.
 */
export class ConfigCheck {
  readonly problems: string[] = [];

  constructor(private readonly scope: string) {}

  number(path: string, value: number | undefined, fallback: number, ok: (v: number) => boolean, rule: string): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
      this.problems.push(`${path} must be ${rule} (got ${String(value)})`);
      return fallback;
    }
    return value;
  }

  done(): void {
    if (this.problems.length > 0) {
      throw new SlbError('SLB_CONFIG_INVALID', `invalid ${this.scope}: ${this.problems.join('; ')}`, {
        details: { problems: [...this.problems] },
      });
    }
  }
}

export const isNonNegative = (v: number): boolean => v >= 0;
export const isPositive = (v: number): boolean => v > 0;
export const isPercent = (v: number): boolean => v >= 0 && v <= 100;
export const isCount = (v: number): boolean => Number.isInteger(v) && v >= 0;
