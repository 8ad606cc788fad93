/**
 * The whole control loop on the real broker and registry, for the end-to-end tests: real
 * upstream node:http servers whose behaviour can be switched (ok / failing / slow), real
 * proxies (each with its own Kafka bus), health-scorer and controller members, and a paced,
 * bounded client loop through every proxy. Upstreams count who sent each request (a header
 * the client sets and the proxy forwards), so "traffic to X stopped on proxy P" is measured at
 * the instance itself, retries included.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { request } from 'undici';
import { checkConfigUpdate, type ConfigUpdate, type KafkaBus } from '@slb/core';
import { createProxy, type Proxy, type ProxyAddresses } from '@slb/proxy';
import { createHealthScorer, type HealthScorer } from '@slb/health-scorer';
import { createController, type Controller, type DecisionPolicy } from '@slb/controller';
import type { KafkaNamespace } from '../bus/kafka-fixture.js';
import { controllerNamespace } from '../controller/support.js';
import { quietKafka } from '../health-scorer/support.js';
import { silentLogger, startUpstream, type Upstream } from '../proxy/support.js';

export { controllerNamespace as e2eNamespace };

/** Proxies report every PROXY_WINDOW_MS; the scorer's windows are a multiple of that. */
export const PROXY_WINDOW_MS = 250;
export const SCORER_WINDOW = { sizeMs: 500, allowedLatenessMs: 250, idleTimeoutMs: 1_500 };
/** Header the traffic loop sets so an upstream knows which proxy a request came through. */
export const VIA_HEADER = 'x-e2e-via';

export type Behaviour = { readonly kind: 'ok' } | { readonly kind: 'fail'; readonly status: number } | { readonly kind: 'slow'; readonly extraMs: number };

export interface Hit {
  readonly atMs: number;
  readonly via: string;
}

export interface E2eUpstream {
  readonly id: string;
  readonly address: string;
  readonly hits: Hit[];
  behaviour: Behaviour;
  /** Requests that arrived through `via` at or after `sinceMs` (and before `untilMs`). */
  count(via: string | undefined, sinceMs: number, untilMs?: number): number;
  close(): Promise<void>;
}

/** A real upstream that answers 200 with its id, or fails / is slow when told to. */
export async function startE2eUpstream(id: string): Promise<E2eUpstream> {
  const base: Upstream = await startUpstream(id);
  const hits: Hit[] = [];
  const up: E2eUpstream = {
    id,
    address: base.address,
    hits,
    behaviour: { kind: 'ok' },
    count(via, sinceMs, untilMs = Number.POSITIVE_INFINITY) {
      let n = 0;
      for (const h of hits) if (h.atMs >= sinceMs && h.atMs < untilMs && (via === undefined || h.via === via)) n += 1;
      return n;
    },
    close: () => base.close(),
  };
  // The fixture keeps every request it received; these tests only need the counts.
  base.received.length = 0;
  base.handler = (req, res) => {
    base.received.length = 0;
    const via = req.headers[VIA_HEADER];
    hits.push({ atMs: Date.now(), via: typeof via === 'string' ? via : '' });
    const b = up.behaviour;
    if (b.kind === 'fail') {
      res.statusCode = b.status;
      res.end(`${id} failing`);
      return;
    }
    const answer = () => {
      res.setHeader('x-upstream', id);
      res.end(id);
    };
    if (b.kind === 'slow') setTimeout(answer, b.extraMs);
    else answer();
  };
  return up;
}

/** A service's config as operators write it (JSON shape), normalized by the one core gate. */
export function serviceConfig(serviceId: string, upstreams: readonly E2eUpstream[], extra: Record<string, unknown> = {}): ConfigUpdate {
  const raw = {
    serviceId,
    version: 1,
    issuedBy: 'e2e-operator',
    routes: [{ pathPrefix: `/${serviceId}` }],
    instances: upstreams.map((u) => ({ id: u.id, address: u.address, weight: 1 })),
    policy: { type: 'ROUND_ROBIN' },
    ...extra,
  };
  const checked = checkConfigUpdate(raw);
  if (!checked.ok) throw checked.error;
  return checked.value;
}

/**
 * Local outlier detection that never fires (no section at all would still eject on 5
 * consecutive gateway failures): the fleet-wide decision is then the only thing that can take
 * an instance out, which is what these tests measure.
 */
export const NO_LOCAL_EJECTION = {
  outlierDetection: {
    consecutive5xx: 1_000_000,
    consecutiveGatewayFailures: 1_000_000,
    intervalMs: 60_000,
    baseEjectionMs: 1_000,
    maxEjectionPercent: 0,
    successRateMinimumHosts: 1_000_000,
    successRateRequestVolume: 1_000_000,
    successRateStdevFactor: 1.9,
    enforcingSuccessRatePercent: 0,
  },
};

export interface E2eProxy {
  readonly id: string;
  readonly proxy: Proxy;
  readonly addr: ProxyAddresses;
  readonly bus: KafkaBus;
}

export async function startE2eProxy(ns: KafkaNamespace, proxyId: string): Promise<E2eProxy> {
  const bus = ns.bus({ clientId: proxyId, registry: new Registry(), telemetry: { lingerMs: 5 } });
  const proxy = createProxy({ proxyId, host: '127.0.0.1', port: 0, adminPort: 0, telemetryWindowMs: PROXY_WINDOW_MS, accessLog: false, logger: silentLogger(), bus });
  const addr = await proxy.listen();
  return { id: proxyId, proxy, addr, bus };
}

export function startScorer(ns: KafkaNamespace, groupId: string, memberName: string): HealthScorer {
  return createHealthScorer({
    transport: { kind: 'kafka', kafka: quietKafka(ns.brokers, memberName), codec: ns.codec, topicPrefix: ns.prefix },
    groupId,
    memberName,
    window: SCORER_WINDOW,
    // Windows a tenth of the default (500 ms, not 5 s) carry a tenth of the samples: the
    // minimum a p95 needs per proxy view scales down with them.
    scoring: { minPeerRequests: 5 },
    sessionTimeoutMs: 6_000,
    fromBeginning: true,
  });
}

/** Decisions within a few windows; ejections short enough that a full cycle takes seconds. */
export const E2E_POLICY: Partial<DecisionPolicy> = {
  ejectAfterWindows: 2,
  returnAfterWindows: 2,
  minEjectionMs: 3_000,
  maxEjectionMs: 10_000,
  refreshAfterMs: 2_000,
  decisionTtlMs: 20_000,
  maxEjectionPercent: 50,
  // The e2e scorer judges latency from 5 samples (its windows are a tenth of the default).
  minSignalRequests: 5,
};

export function startController(ns: KafkaNamespace, groupId: string, member: string, policy: Partial<DecisionPolicy> = E2E_POLICY): { controller: Controller; bus: KafkaBus } {
  const bus = ns.bus({ clientId: member, registry: new Registry() });
  const controller = createController({
    bus,
    member,
    groupId,
    fromBeginning: true,
    policy,
    alertPolicy: { resolveHoldMs: 500 },
    batchMs: 100,
    tickMs: 250,
  });
  return { controller, bus };
}

export interface Traffic {
  /** Client-side answers per proxy: status -> count. */
  readonly statuses: Map<string, Map<number, number>>;
  /**
   * Resolves once every loop has finished the request it had in flight when called: every
   * upstream hit after that comes from a request sent after the call.
   */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A gentle, paced client: `concurrency` loops per proxy, each sending GET `path` then pausing
 * `pauseMs`, until stopped. Each request is bounded by a timeout so a stuck one cannot hang the
 * test; failures are counted, not thrown.
 */
export function startTraffic(proxies: readonly E2eProxy[], paths: readonly string[], options: { concurrency?: number; pauseMs?: number } = {}): Traffic {
  const concurrency = options.concurrency ?? 2;
  const pauseMs = options.pauseMs ?? 20;
  let running = true;
  const statuses = new Map<string, Map<number, number>>();
  /** Per loop: its request in flight (settled while the loop pauses). */
  const inFlight: Array<Promise<number>> = [];
  const loops = proxies.flatMap((p) => {
    const byStatus = new Map<number, number>();
    statuses.set(p.id, byStatus);
    return Array.from({ length: concurrency }, async (_, worker) => {
      const slot = inFlight.push(Promise.resolve(0)) - 1;
      let i = worker;
      while (running) {
        const path = paths[i++ % paths.length]!;
        const sent = (async () => {
          try {
            const r = await request(`${p.addr.url}${path}`, { headers: { [VIA_HEADER]: p.id }, headersTimeout: 5_000, bodyTimeout: 5_000 });
            await r.body.dump();
            return r.statusCode;
          } catch {
            return 0;
          }
        })();
        inFlight[slot] = sent;
        const status = await sent;
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        await delay(pauseMs);
      }
    });
  });
  return {
    statuses,
    async drained() {
      await Promise.all([...inFlight]);
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** One instance as a proxy's balancer sees it right now. */
export function endpointOf(p: E2eProxy, serviceId: string, instanceId: string): { effectiveWeight: number; ejectedByDecision: boolean; slowStartFactor: number; healthy: boolean } | undefined {
  const svc = p.proxy.state().services.find((s) => (s as { id: string }).id === serviceId) as
    | { balancer: { endpoints: Array<{ id: string; effectiveWeight: number; ejectedByDecision: boolean; slowStartFactor: number; healthy: boolean }> } }
    | undefined;
  return svc?.balancer.endpoints.find((e) => e.id === instanceId);
}

/**
 * One end-to-end fleet: a Kafka namespace, a bus to publish from, and real upstream instances.
 * A test starts the proxies and members it needs and records them here, so `stopFleet` ends
 * whatever was started, in dependency order (traffic first, upstreams last).
 */
export interface Fleet {
  readonly ns: KafkaNamespace;
  readonly publisher: KafkaBus;
  readonly upstreams: readonly E2eUpstream[];
  proxies: E2eProxy[];
  scorer: HealthScorer | undefined;
  control: { controller: Controller; bus: KafkaBus } | undefined;
  traffic: Traffic | undefined;
}

export async function startFleet(prefix: string, instanceIds: readonly string[] = ['i1', 'i2', 'i3']): Promise<Fleet> {
  const ns = await controllerNamespace(prefix);
  const publisher = ns.bus();
  try {
    const upstreams = await Promise.all(instanceIds.map((id) => startE2eUpstream(id)));
    return { ns, publisher, upstreams, proxies: [], scorer: undefined, control: undefined, traffic: undefined };
  } catch (err) {
    await publisher.close();
    throw err;
  }
}

/** Stops everything `fleet` holds; `undefined` (its start failed) is a no-op. */
export async function stopFleet(fleet: Fleet | undefined): Promise<void> {
  if (fleet === undefined) return;
  await fleet.traffic?.stop();
  await fleet.control?.controller.stop();
  await fleet.scorer?.stop();
  await Promise.allSettled(fleet.proxies.map((p) => p.proxy.close()));
  await Promise.allSettled([...fleet.proxies.map((p) => p.bus.close()), fleet.control?.bus.close(), fleet.publisher.close()]);
  await Promise.allSettled(fleet.upstreams.map((u) => u.close()));
}
