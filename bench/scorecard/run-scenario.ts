/**
 * Plays one scenario against one balancer: start the instances (one process each) and the
 * balancer, warm up, then run the open-loop client while the fault steps fire at their times
 * (the oracle first drains the bad instances by hand at the fault time), and collect what the
 * instances counted, what the client saw and, for the product, what it decided and said.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Buckets } from './instances.js';
import { startBalancer, type BalancerKind } from './balancers.js';
import { runOpenLoop, type ClientRecord } from './open-loop-client.js';
import { observe, type Observed } from './observer.js';
import { startCpuHog, type CpuHog } from './cpu-hog.js';
import { startBadClients } from './bad-clients.js';
import { PROXY_SOURCE_ADDRESSES } from './distributed.js';
import { takePorts } from './ports.js';
import type { KafkaTarget } from '../proxy/kafka-namespace.js';
import { instanceIds, type Scenario } from './scenarios.js';

/** The product (standalone or distributed), its oracle in either mode, or a peer. */
export type RunMode = BalancerKind | 'oracle' | 'oracle-distributed';

export interface RunSettings {
  readonly ratePerSec: number;
  readonly timeoutMs: number;
  readonly warmupMs: number;
  readonly proxyCpus: string;
  readonly loadCpus: string;
  /** Distributed mode's broker and registry. */
  readonly kafka?: KafkaTarget;
}

export interface RunData {
  readonly mode: RunMode;
  /** Epoch ms of the client's start: every scenario time is relative to it. */
  readonly startMs: number;
  /** Epoch ms at which each step actually fired (index-aligned with scenario.steps). */
  readonly stepAtMs: readonly number[];
  readonly records: readonly ClientRecord[];
  readonly counts: ReadonlyMap<string, Buckets>;
  /** The product only. */
  readonly observed: Observed | undefined;
  readonly loadavg1: number;
  readonly badClientRequests: number;
}

const sleepUntil = (epochMs: number) => new Promise((r) => setTimeout(r, Math.max(0, epochMs - Date.now())));

export async function runScenario(sc: Scenario, mode: RunMode, s: RunSettings): Promise<RunData> {
  const ids = instanceIds(sc.instances);
  const ports = await takePorts(ids.length + 6);
  const specs = ids.map((id, i) => ({ id, port: ports[i]! }));
  const dir = mkdtempSync(join(tmpdir(), `slb-scorecard-${sc.name}-`));
  const fleet = await startFleet(specs, s.loadCpus);
  let hog: CpuHog | undefined;
  try {
    const balancer = await startBalancer({
      kind: mode === 'oracle' ? 'slb' : mode === 'oracle-distributed' ? 'slb-distributed' : mode,
      instances: specs,
      ports: ports.slice(ids.length),
      kafka: s.kafka,
      dir,
      cpus: s.proxyCpus,
      serviceOverrides: sc.serviceOverrides ?? {},
    });
    try {
      // Warm-up at the base rate: JIT, connection pools, and for the product the first score
      // windows and decision, so the fault lands on a settled system.
      await runOpenLoop({ urls: balancer.urls, durationMs: s.warmupMs, timeoutMs: s.timeoutMs, rateAt: () => s.ratePerSec });
      const loadavg1 = loadavg()[0] ?? 0;
      const observer = balancer.consoleUrl !== undefined ? observe(balancer.adminUrls, balancer.consoleUrl) : undefined;
      const startMs = Date.now();
      const client = runOpenLoop({ urls: balancer.urls, durationMs: sc.durationMs, timeoutMs: s.timeoutMs, rateAt: (ms) => s.ratePerSec * (sc.rateFactorAt?.(ms) ?? 1) });
      const bad = sc.badClientsPerSec === undefined ? undefined : startBadClients(Number(new URL(balancer.urls[0]!).port), sc.badClientsPerSec);
      const stepAtMs: number[] = [];
      const timeline = async () => {
        const events: Array<{ at: number; run: () => Promise<void> }> = sc.steps.map((step, i) => ({
          at: step.atMs,
          run: async () => {
            if ((mode === 'oracle' || mode === 'oracle-distributed') && sc.bad.some((b) => b.instance === step.instance && b.fromMs === step.atMs)) await balancer.removeByHand(step.instance);
            stepAtMs[i] = Date.now();
            const a = step.action;
            if (a.kind === 'kill') await fleet.kill(step.instance);
            else if (a.kind === 'restart') await fleet.restart(step.instance);
            else if (a.kind === 'slow') await fleet.setFault(step.instance, 'slow', a.ms);
            else if (a.kind === 'errors') await fleet.setFault(step.instance, 'errors', a.rate);
            else if (a.kind === 'throttle') await fleet.setFault(step.instance, 'throttle', a.retryAfterSec);
            else if (a.kind === 'refuse-proxy') await fleet.setFault(step.instance, 'refuse', 0, PROXY_SOURCE_ADDRESSES[a.proxy]);
            else await fleet.setFault(step.instance, a.kind);
          },
        }));
        for (const r of sc.roleSteps ?? []) {
          events.push({
            at: r.atMs,
            run: async () => {
              if (balancer.roles === undefined) throw new Error(`${sc.name} needs distributed mode`);
              await (r.action === 'kill' ? balancer.roles.kill(r.role) : balancer.roles.restart(r.role));
            },
          });
        }
        if (sc.cpuHog !== undefined) {
          const h = sc.cpuHog;
          events.push({ at: h.fromMs, run: async () => void (hog = startCpuHog(s.proxyCpus)) }, { at: h.toMs, run: async () => hog?.stop() });
        }
        events.sort((a, b) => a.at - b.at);
        for (const e of events) {
          await sleepUntil(startMs + e.at);
          await e.run();
        }
      };
      await Promise.all([client, timeline()]);
      const records = await client;
      const badClientRequests = bad?.stop().sent ?? 0;
      const observed = await observer?.stop();
      const counts = await fleet.counts();
      return { mode, startMs, stepAtMs, records, counts, observed, loadavg1, badClientRequests };
    } finally {
      await hog?.stop();
      await balancer.stop();
    }
  } finally {
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
