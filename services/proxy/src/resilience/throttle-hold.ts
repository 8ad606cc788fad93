/**
 * How long an instance that says it is overloaded is held back. A 429, or a 503 that carries
 * Retry-After, is an instance saying "not now, I am alive but full": the proxy gives it a
 * trickle of its share for that long (the balancer's `holdBack`) instead of counting a
 * failure against it. The wait is the instance's own Retry-After (RFC 9110 §10.2.3:
 * delay-seconds or an HTTP-date), capped so that a typo or a hostile value cannot starve an
 * instance for hours, and never below a floor: a 429 says "full now" even when it asks for
 * no wait (`0`, a date in the past), and a hold of a few milliseconds would let its fast
 * 429s draw its whole share straight back.
 *
 * Pure: the header value and `nowMs` (wall clock, for the HTTP-date form) are arguments.
 */

export interface ThrottleHoldConfig {
  /** The shortest hold, and the hold of a 429 without a usable Retry-After. */
  readonly minMs: number;
  /** The longest hold, whatever Retry-After asks for. */
  readonly maxMs: number;
}

/** 1 s floor (and default), 30 s cap. */
export const DEFAULT_THROTTLE_HOLD: ThrottleHoldConfig = Object.freeze({ minMs: 1_000, maxMs: 30_000 });

export const TOO_MANY_REQUESTS = 429;
const SERVICE_UNAVAILABLE = 503;

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const LONG_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = `(?:${DAYS.join('|')})`;
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** RFC 9110 §5.6.7: IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT` (the one to send). */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** Obsolete RFC 850 form, `Sunday, 06-Nov-94 08:49:37 GMT` (recipients must accept it). */
const RFC850_DATE = new RegExp(`^(?:${LONG_DAYS.join('|')}), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** Obsolete asctime form, `Sun Nov  6 08:49:37 1994` (UTC although it does not say so). */
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);
const DELAY_SECONDS = /^\d+$/;

/** Milliseconds since the epoch for a valid calendar date and time (UTC), else undefined. */
function utc(year: number, month: string, day: number, h: number, m: number, s: number): number | undefined {
  const mon = MONTHS.indexOf(month);
  // A leap second (60) is allowed by the grammar; Date folds it into the next minute.
  if (h > 23 || m > 59 || s > 60 || day < 1) return undefined;
  const ms = Date.UTC(year, mon, day, h, m, s);
  // Date.UTC rolls 31 Feb over into March: refuse a day the month does not have.
  return new Date(Date.UTC(year, mon, day)).getUTCDate() === day ? ms : undefined;
}

/**
 * An HTTP-date (RFC 9110 §5.6.7, all three forms, case-sensitive as the grammar is) as ms
 * since the epoch; undefined when it is not one. A two-digit RFC 850 year is the most recent
 * one with those digits that is not more than 50 years ahead of `nowMs`, as §5.6.7 requires.
 */
export function parseHttpDate(value: string, nowMs: number): number | undefined {
  let m = IMF_FIXDATE.exec(value);
  if (m !== null) return utc(Number(m[3]), m[2]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = ASCTIME_DATE.exec(value);
  if (m !== null) return utc(Number(m[6]), m[1]!, Number(m[2]!.trim()), Number(m[3]), Number(m[4]), Number(m[5]));
  m = RFC850_DATE.exec(value);
  if (m !== null) {
    const thisYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(m[3]);
    if (year > thisYear + 50) year -= 100;
    return utc(year, m[2]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  return undefined;
}

/**
 * The wait a Retry-After value asks for, in ms from `nowMs` (0 for a date in the past), or
 * undefined when the field is absent or is neither delay-seconds nor an HTTP-date. Leading
 * and trailing whitespace (OWS) is ignored; anything else unusual (a fraction, a sign, two
 * values joined by a comma) makes it unusable.
 */
export function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  // Large delay-seconds stay exact enough: the hold is capped long before precision matters.
  if (DELAY_SECONDS.test(v)) return Number(v) * 1_000;
  const at = parseHttpDate(v, nowMs);
  return at === undefined ? undefined : Math.max(0, at - nowMs);
}

/**
 * How long an answer holds its instance back, or undefined when it is no throttling signal:
 * - 429: Retry-After clamped to [minMs, maxMs]; without a usable one, minMs;
 * - 503 with a usable Retry-After: the same clamp (a 503 without one is a failure, outlier
 *   detection's business, and is not held back here);
 * - anything else: undefined.
 */
export function throttleHoldMs(status: number, retryAfter: string | undefined, nowMs: number, cfg: ThrottleHoldConfig = DEFAULT_THROTTLE_HOLD): number | undefined {
  if (status !== TOO_MANY_REQUESTS && status !== SERVICE_UNAVAILABLE) return undefined;
  const asked = retryAfterMs(retryAfter, nowMs);
  if (asked === undefined && status === SERVICE_UNAVAILABLE) return undefined;
  return Math.min(cfg.maxMs, Math.max(cfg.minMs, asked ?? cfg.minMs));
}
