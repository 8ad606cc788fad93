/**
 * Watches the product while a scenario runs, the way an operator could: every 100 ms it reads
 * the proxy's admin view of each upstream (health sources: outlier ejection, active checks;
 * decision ejection; effective weight) and the controller's latest routing decision. At the end
 * it collects the controller's audit trail (every alert firing is audited too), the console's
 * alerts and /api/why for every instance that was ejected. Nothing here judges; measures.ts does.
 */
import { SERVICE_ID } from './balancers.js';

export interface ProxyInstanceView {
  readonly id: string;
  readonly healthy: boolean;
  readonly unhealthySources: readonly string[];
  readonly ejectedByDecision: boolean;
  readonly effectiveWeight: number;
  readonly configWeight: number;
  readonly slowStartFactor: number;
  /** Outlier detector's counters: any change means the proxy sent the instance a try. */
  readonly outlierRequests: number;
  readonly outlierFailures: number;
}

export interface DecisionInstance {
  readonly instanceId: string;
  readonly weight: number;
  readonly state: string;
  readonly reason: string;
}

export interface Decision {
  readonly version: number;
  readonly issuedAtMs: number;
  readonly panic: boolean;
  readonly instances: readonly DecisionInstance[];
  readonly evidence: { readonly scores: ReadonlyArray<{ instanceId: string; score: number; windowEndMs: number }>; readonly notes: readonly string[] };
}

export interface Sample {
  readonly atMs: number;
  /** One view per proxy (undefined where the poll failed), in the order of the admin URLs. */
  readonly proxies: ReadonlyArray<readonly ProxyInstanceView[] | undefined>;
  readonly decision: Decision | undefined;
}

export interface AuditRecord {
  readonly atMs: number;
  readonly action: string;
  readonly entityId: string;
  readonly after: string | null;
  readonly reason: string;
  readonly evidence: { readonly scores: ReadonlyArray<{ instanceId: string; score: number }>; readonly notes?: readonly string[] } | null;
}

export interface ConsoleAlert {
  readonly dedupKey: string;
  readonly name: string;
  readonly state: string;
  readonly instanceId: string | null;
  readonly summary: string;
  readonly description: string;
  readonly startsAtMs: number;
  readonly evidence: { readonly scores: ReadonlyArray<{ instanceId: string; score: number }> } | null;
}

export interface Why {
  readonly instanceId: string;
  readonly answer: string;
  readonly lastEjection: AuditRecord | null;
}

export interface Observed {
  readonly samples: readonly Sample[];
  /** Every decision seen (polled, plus the console's recent list), by version. */
  readonly decisions: ReadonlyMap<number, Decision>;
  readonly audit: readonly AuditRecord[];
  readonly alerts: readonly ConsoleAlert[];
  readonly why: readonly Why[];
  /** Console rows of ejected instances, sampled each second: what an operator reads. */
  readonly consoleRows: ReadonlyArray<{ atMs: number; instanceId: string; state: string; score: number | null; reason: string }>;
}

interface AdminInstances {
  panic: boolean;
  instances: Array<{
    id: string;
    balancer: { healthy: boolean; unhealthySources: string[]; ejectedByDecision: boolean; effectiveWeight: number; configWeight: number; slowStartFactor: number } | null;
    outlier: { intervalRequests: number; intervalFailures: number } | null;
  }>;
}

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

function proxyView(a: AdminInstances): ProxyInstanceView[] {
  return a.instances.map((i) => ({
    id: i.id,
    healthy: i.balancer?.healthy ?? true,
    unhealthySources: i.balancer?.unhealthySources ?? [],
    ejectedByDecision: i.balancer?.ejectedByDecision ?? false,
    effectiveWeight: i.balancer?.effectiveWeight ?? 1,
    configWeight: i.balancer?.configWeight ?? 1,
    slowStartFactor: i.balancer?.slowStartFactor ?? 1,
    outlierRequests: i.outlier?.intervalRequests ?? 0,
    outlierFailures: i.outlier?.intervalFailures ?? 0,
  }));
}

export interface Observer {
  stop(): Promise<Observed>;
}

export function observe(adminUrls: readonly string[], consoleUrl: string, everyMs = 100): Observer {
  const samples: Sample[] = [];
  const decisions = new Map<number, Decision>();
  const consoleRows: Array<{ atMs: number; instanceId: string; state: string; score: number | null; reason: string }> = [];
  let running = true;
  let lastConsoleMs = 0;
  const loop = (async () => {
    while (running) {
      const t0 = Date.now();
      const [svc, ...admins] = await Promise.all([
        getJson<{ decision: Decision | null }>(`${consoleUrl}/api/services/${SERVICE_ID}`),
        ...adminUrls.map((u) => getJson<AdminInstances>(`${u}/admin/services/${SERVICE_ID}/instances`)),
      ]);
      const decision = svc?.decision ?? undefined;
      if (decision !== undefined) decisions.set(decision.version, decision);
      samples.push({ atMs: Math.round((t0 + Date.now()) / 2), proxies: admins.map((a) => (a === undefined ? undefined : proxyView(a))), decision });
      if (t0 - lastConsoleMs >= 1_000) {
        lastConsoleMs = t0;
        const state = await getJson<{ services: Array<{ serviceId: string; instances: Array<{ instanceId: string; state: string; score: number | null; decisionScore?: number | null; reason: string }> }> }>(`${consoleUrl}/console/api/state`);
        for (const row of state?.services.find((s) => s.serviceId === SERVICE_ID)?.instances ?? []) {
          // The page shows an ejected row's score as the one its ejection cites ("0.12 at ejection").
          if (row.state === 'EJECTED') consoleRows.push({ atMs: t0, instanceId: row.instanceId, state: row.state, score: row.decisionScore ?? row.score, reason: row.reason });
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - t0))));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const audit = (await getJson<{ records: AuditRecord[] }>(`${consoleUrl}/api/audit`))?.records ?? [];
      const state = await getJson<{ alerts: ConsoleAlert[]; decisions: Decision[] }>(`${consoleUrl}/console/api/state`);
      for (const d of state?.decisions ?? []) if (!decisions.has(d.version)) decisions.set(d.version, d);
      const ejected = [...new Set(audit.filter((r) => r.action === 'instance.eject').map((r) => r.entityId.split('/')[1]!))];
      const why: Why[] = [];
      for (const id of ejected) {
        const w = await getJson<Why>(`${consoleUrl}/api/why/${SERVICE_ID}/${id}`);
        if (w !== undefined) why.push({ ...w, instanceId: id });
      }
      return { samples, decisions, audit: [...audit].sort((a, b) => a.atMs - b.atMs), alerts: state?.alerts ?? [], why, consoleRows };
    },
  };
}
