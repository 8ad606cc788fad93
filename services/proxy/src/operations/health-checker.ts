/**
 * Active health checks: per instance, an HTTP GET of the configured path (2xx/3xx passes) or a
 * TCP connect, every interval ± jitter, with a timeout; `healthyThreshold` consecutive passes
 * make an instance healthy and `unhealthyThreshold` consecutive failures unhealthy. Results go
 * to the balancer (source 'active') and, through `onResult`, to health-status.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthCheckConfig, HealthState } from '@slb/core';
import { parseAddress } from '@slb/core';

export interface CheckResult {
  readonly instanceId: string;
  readonly passed: boolean;
  readonly responseTimeMs: number | null;
  readonly details: Record<string, string>;
  /** Set when this result changed the instance's state. */
  readonly transition: HealthState | undefined;
  readonly healthy: boolean;
}

export interface CheckTarget {
  readonly id: string;
  readonly address: string;
}

interface TargetState {
  target: CheckTarget;
  healthy: boolean;
  passes: number;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

function probe(target: CheckTarget, cfg: HealthCheckConfig, monotonic: () => number, localAddress: string | undefined): Promise<{ passed: boolean; ms: number | null; details: Record<string, string> }> {
  const addr = parseAddress(target.address);
  const started = monotonic();
  if (addr === undefined) return Promise.resolve({ passed: false, ms: null, details: { error: 'bad address' } });
  return new Promise((resolve) => {
    let done = false;
    const finish = (passed: boolean, details: Record<string, string>, answered: boolean) => {
      if (done) return;
      done = true;
      resolve({ passed, ms: answered ? monotonic() - started : null, details });
    };
    if (cfg.type === 'TCP') {
      const socket = connect({ host: addr.host, port: addr.port, ...(localAddress === undefined ? {} : { localAddress }) });
      socket.setTimeout(cfg.timeoutMs, () => {
        socket.destroy();
        finish(false, { error: 'timeout' }, false);
      });
      socket.once('connect', () => {
        socket.destroy();
        finish(true, {}, true);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => finish(false, { error: err.code ?? err.message }, false));
      return;
    }
    const options = { host: addr.host, port: addr.port, path: cfg.path, method: 'GET', agent: false, timeout: cfg.timeoutMs, headers: { 'user-agent': 'slb-health-check' } } as const;
    const req = request(localAddress === undefined ? options : { ...options, localAddress }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      finish(status >= 200 && status < 400, { statusCode: String(status) }, true);
    });
    req.once('timeout', () => {
      req.destroy();
      finish(false, { error: 'timeout' }, false);
    });
    req.once('error', (err: NodeJS.ErrnoException) => finish(false, { error: err.code ?? err.message }, false));
    req.end();
  });
}

export class HealthChecker {
  private readonly targets = new Map<string, TargetState>();
  private stopped = false;

  constructor(
    private cfg: HealthCheckConfig,
    private readonly deps: { random: () => number; monotonic: () => number; sourceAddress?: string | undefined; onResult: (r: CheckResult) => void },
  ) {}

  /** Replaces the target list and settings; kept targets keep their state. */
  update(cfg: HealthCheckConfig, targets: readonly CheckTarget[]): void {
    this.cfg = cfg;
    const keep = new Set(targets.map((t) => t.id));
    for (const [id, s] of this.targets) {
      if (!keep.has(id) || s.target.address !== targets.find((t) => t.id === id)?.address) {
        clearTimeout(s.timer);
        this.targets.delete(id);
      }
    }
    for (const t of targets) {
      if (this.targets.has(t.id)) continue;
      const s: TargetState = { target: t, healthy: true, passes: 0, failures: 0, timer: undefined };
      this.targets.set(t.id, s);
      this.schedule(s, this.deps.random() * cfg.intervalMs);
    }
  }

  private schedule(s: TargetState, delayMs: number): void {
    if (this.stopped) return;
    s.timer = setTimeout(() => void this.run(s), delayMs);
    s.timer.unref();
  }

  private async run(s: TargetState): Promise<void> {
    const cfg = this.cfg;
    const r = await probe(s.target, cfg, this.deps.monotonic, this.deps.sourceAddress);
    if (this.stopped || this.targets.get(s.target.id) !== s) return;
    let transition: HealthState | undefined;
    if (r.passed) {
      s.passes++;
      s.failures = 0;
      if (!s.healthy && s.passes >= cfg.healthyThreshold) {
        s.healthy = true;
        transition = 'HEALTHY';
      }
    } else {
      s.failures++;
      s.passes = 0;
      if (s.healthy && s.failures >= cfg.unhealthyThreshold) {
        s.healthy = false;
        transition = 'UNHEALTHY';
      }
    }
    this.deps.onResult({ instanceId: s.target.id, passed: r.passed, responseTimeMs: r.ms, details: r.details, transition, healthy: s.healthy });
    const jitter = (cfg.intervalMs * cfg.jitterPercent) / 100;
    this.schedule(s, Math.max(1, cfg.intervalMs + (this.deps.random() * 2 - 1) * jitter));
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.targets.values()) clearTimeout(s.timer);
    this.targets.clear();
  }
}
