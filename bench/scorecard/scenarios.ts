/**
 * The scripted scenarios. Each one knows its ground truth: which instance is bad, and from
 * when to when (ms after the client starts). Pure data: run-scenario.ts plays them.
 */

export type FaultAction =
  | { readonly kind: 'kill' }
  | { readonly kind: 'restart' }
  | { readonly kind: 'hung' }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'errors'; readonly rate: number }
  | { readonly kind: 'throttle'; readonly retryAfterSec: number }
  | { readonly kind: 'down' }
  | { readonly kind: 'up' }
  | { readonly kind: 'ok' }
  /** The instance resets every connection from proxy number `proxy` (a firewall's REJECT): only that proxy's path is broken. */
  | { readonly kind: 'refuse-proxy'; readonly proxy: number };

export interface FaultStep {
  readonly atMs: number;
  readonly instance: string;
  readonly action: FaultAction;
}

/** An instance is bad in [fromMs, toMs); toMs undefined: until the end of the run. */
export interface BadSpan {
  readonly instance: string;
  readonly fromMs: number;
  readonly toMs: number | undefined;
}

/** hard: out within 1 s; gray: below 5 % share within 5 s; none: every instance healthy. */
export type FaultClass = 'none' | 'hard' | 'gray';

export interface Scenario {
  readonly name: string;
  /** What is injected, and why the scenario exists: printed by --list and in the docs. */
  readonly injects: string;
  readonly why: string;
  readonly instances: number;
  readonly durationMs: number;
  readonly faultClass: FaultClass;
  readonly steps: readonly FaultStep[];
  readonly bad: readonly BadSpan[];
  /** Requests per second at a time into the run; default the base rate. */
  readonly rateFactorAt?: (ms: number) => number;
  /** A CPU hog pinned beside the proxy in [fromMs, toMs). */
  readonly cpuHog?: { readonly fromMs: number; readonly toMs: number };
  /** Malformed and aborted requests at this rate per second, beside the paced client. */
  readonly badClientsPerSec?: number;
  /** Service config fields over the defaults (e.g. slow start). */
  readonly serviceOverrides?: Record<string, unknown>;
  /** Run nginx least_conn and haproxy leastconn on the same instances and faults. */
  readonly peers?: boolean;
  /** The oracle: the bad instances drained by hand at the fault time. */
  readonly oracle: boolean;
  /** A control-plane role killed (SIGKILL) and started again at these times. */
  readonly roleSteps?: ReadonlyArray<{ readonly atMs: number; readonly role: ControlRole; readonly action: 'kill' | 'restart' }>;
  /**
   * Instances that one proxy alone cannot reach from `fromMs`: that proxy taking the instance
   * out is right (its own path is broken), any other part doing so is a false cut.
   */
  readonly pathFaults?: ReadonlyArray<{ readonly instance: string; readonly proxy: number; readonly fromMs: number }>;
  /** Runs only in these modes (default: every mode). */
  readonly modes?: ReadonlyArray<'standalone' | 'distributed'>;
}

export type ControlRole = 'controller' | 'health-scorer';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `u${i + 1}`);
export const instanceIds = ids;

/**
 * Every scenario, simplest first. `scale` (--quick: 0.6) shortens every time but the fault
 * patterns that are defined by their period (flapping 5 s / 5 s).
 */
export function scenarios(scale = 1): Scenario[] {
  const t = (ms: number) => Math.round(ms * scale);
  const fault = t(6_000);
  const end = t(20_000);
  const one = (name: string, action: FaultAction, faultClass: FaultClass, injects: string, why: string, extra: Partial<Scenario> = {}): Scenario => ({
    name,
    injects,
    why,
    instances: 4,
    durationMs: end,
    faultClass,
    steps: [{ atMs: fault, instance: 'u2', action }],
    bad: [{ instance: 'u2', fromMs: fault, toMs: undefined }],
    oracle: true,
    ...extra,
  });
  const healthy = (name: string, injects: string, why: string, extra: Partial<Scenario>): Scenario => ({
    name,
    injects,
    why,
    instances: 4,
    durationMs: end,
    faultClass: 'none',
    steps: [],
    bad: [],
    oracle: false,
    ...extra,
  });
  const flapEnd = t(8_000) + 30_000;
  const flapSteps: FaultStep[] = [];
  for (let at = t(8_000); at < flapEnd; at += 10_000) {
    flapSteps.push({ atMs: at, instance: 'u2', action: { kind: 'down' } }, { atMs: at + 5_000, instance: 'u2', action: { kind: 'up' } });
  }
  return [
    healthy('healthy-steady', 'nothing: 4 healthy instances at the base rate', 'the baseline: any ejection, weight cut or alert here is false', {}),
    healthy('healthy-burst', 'nothing; the rate jumps 10× for 4 s', 'a burst raises latency on every instance alike: relative judgment must not condemn any', {
      rateFactorAt: (ms) => (ms >= t(8_000) && ms < t(8_000) + 4_000 ? 10 : 1),
    }),
    healthy('healthy-cpu-hog', 'nothing; a busy-loop process pinned on the proxy CPU for most of the run', 'a starved proxy host sees every upstream slow: that is not the upstreams\' fault', {
      cpuHog: { fromMs: t(5_000), toMs: end - t(2_000) },
    }),
    healthy('bad-clients', 'nothing; beside the paced client, 50/s malformed requests and requests aborted by the client', 'a client\'s fault must never count against an instance', {
      badClientsPerSec: 50,
    }),
    one('killed', { kind: 'kill' }, 'hard', 'u2 SIGKILLed (connections refused)', 'the simplest hard fault: out within 1 s, no client error (retries)'),
    one('hung', { kind: 'hung' }, 'hard', 'u2 accepts connections and reads requests but never answers (checks hang too)', 'the hard fault a connect check cannot see'),
    one('slow-200ms', { kind: 'slow', ms: 200 }, 'gray', 'u2 answers everything 200 ms later (checks still pass)', 'gray failure: only latency shows it', { peers: true }),
    one('errors-50pct', { kind: 'errors', rate: 0.5 }, 'gray', 'u2 answers half of the requests 503 (its /healthz stays 200)', 'gray failure: checks pass, clients suffer', { peers: true }),
    one('throttle-429', { kind: 'throttle', retryAfterSec: 2 }, 'gray', 'u2 answers every request 429 with Retry-After: 2', 'overload, not death: it should get less, not necessarily be ejected; clients must not see 429s if others have room'),
    {
      name: 'two-of-three',
      injects: 'u2 and u3 of 3 answer every request 503 (checks pass)',
      why: 'ejection cap and panic hold: one healthy instance cannot take it all',
      instances: 3,
      durationMs: end,
      faultClass: 'hard',
      steps: [
        { atMs: fault, instance: 'u2', action: { kind: 'errors', rate: 1 } },
        { atMs: fault, instance: 'u3', action: { kind: 'errors', rate: 1 } },
      ],
      bad: [
        { instance: 'u2', fromMs: fault, toMs: undefined },
        { instance: 'u3', fromMs: fault, toMs: undefined },
      ],
      oracle: true,
    },
    {
      name: 'all-failing',
      injects: 'every one of 3 instances answers every request 503 (checks pass)',
      why: 'panic spreads traffic, no 503 storm from the proxy itself, one clear alert',
      instances: 3,
      durationMs: end,
      faultClass: 'hard',
      steps: ['u1', 'u2', 'u3'].map((id) => ({ atMs: fault, instance: id, action: { kind: 'errors', rate: 1 } as const })),
      bad: ['u1', 'u2', 'u3'].map((id) => ({ instance: id, fromMs: fault, toMs: undefined })),
      oracle: false,
    },
    {
      name: 'flapping',
      injects: 'u2 crashes (listener closed: refused) and comes back every 5 s, three times',
      why: 'damped: ejection time grows, no alert storm, healthy instances untouched',
      instances: 4,
      durationMs: flapEnd + t(4_000),
      faultClass: 'hard',
      steps: flapSteps,
      bad: [{ instance: 'u2', fromMs: t(8_000), toMs: flapEnd }],
      oracle: true,
    },
    ...(['controller', 'health-scorer'] as const).map(
      (role): Scenario => ({
        name: `${role === 'controller' ? 'controller' : 'scorer'}-restart`,
        injects: `u2 answers every request 503 (checks pass); 1 s later the ${role} is SIGKILLed, and started again 5 s after that`,
        why: 'an incident must survive the control plane\'s own failure: no flip-flop, no lost ejection, no false alert (distributed mode only)',
        instances: 4,
        durationMs: end + 6_000,
        faultClass: 'hard',
        steps: [{ atMs: fault, instance: 'u2', action: { kind: 'errors', rate: 1 } }],
        bad: [{ instance: 'u2', fromMs: fault, toMs: undefined }],
        roleSteps: [
          { atMs: fault + 1_000, role, action: 'kill' },
          { atMs: fault + 6_000, role, action: 'restart' },
        ],
        modes: ['distributed'],
        oracle: false,
      }),
    ),
    {
      name: 'one-proxy-path',
      injects: 'u2 resets every connection from proxy-b (data and checks); proxy-a and the clients reach it as before',
      why: 'one proxy\'s broken path is that proxy\'s problem: the fleet must not eject an instance the others reach (distributed mode only)',
      instances: 4,
      durationMs: end,
      faultClass: 'none',
      steps: [{ atMs: fault, instance: 'u2', action: { kind: 'refuse-proxy', proxy: 1 } }],
      bad: [],
      pathFaults: [{ instance: 'u2', proxy: 1, fromMs: fault }],
      modes: ['distributed'],
      oracle: false,
    },
    {
      name: 'recovery-slow-start',
      injects: 'u2 SIGKILLed, restarted 6 s later; slow start 10 s in the config',
      why: 'a recovered instance must come back, ramping, and not be ejected again',
      instances: 4,
      durationMs: t(6_000) + 6_000 + 20_000,
      faultClass: 'hard',
      steps: [
        { atMs: fault, instance: 'u2', action: { kind: 'kill' } },
        { atMs: fault + 6_000, instance: 'u2', action: { kind: 'restart' } },
      ],
      bad: [{ instance: 'u2', fromMs: fault, toMs: fault + 6_000 }],
      serviceOverrides: { slowStartMs: 10_000 },
      oracle: false,
    },
  ];
}
