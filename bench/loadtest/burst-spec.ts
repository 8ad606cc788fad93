/**
 * `--burst RATE:SECONDS@EVERY`: a spike to RATE requests/s lasting SECONDS, starting every EVERY
 * seconds (the rest of each period runs at the base rate). Example: `5000:5@30`.
 */
import { SlbError } from '../../services/core/src/errors/index.js';

export interface BurstSpec {
  readonly rate: number;
  readonly seconds: number;
  readonly everySeconds: number;
}

const BURST = /^(\d+):(\d+)@(\d+)$/;

export function parseBurst(text: string): BurstSpec {
  const m = BURST.exec(text.trim());
  if (m === null) throw usage(`--burst must look like RATE:SECONDS@EVERY (e.g. 5000:5@30), got '${text}'`);
  const [rate, seconds, everySeconds] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (rate < 1) throw usage(`--burst rate must be >= 1, got ${rate}`);
  if (seconds < 1) throw usage(`--burst spike length must be >= 1 s, got ${seconds}`);
  // A spike as long as its period would leave no base phase: that is just --rate.
  if (everySeconds <= seconds) throw usage(`--burst period (${everySeconds} s) must be longer than the spike (${seconds} s)`);
  return { rate, seconds, everySeconds };
}

function usage(message: string): SlbError {
  return new SlbError('SLB_LOADTEST_USAGE', message);
}
