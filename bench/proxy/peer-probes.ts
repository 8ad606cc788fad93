/**
 * What each proxy says about one instance, polled during the failover run: whether it counts
 * the instance as down, and a counter of failed attempts on it (so "the last request that still
 * reached the dead instance" is when that counter last moved).
 *   haproxy: `show stat` on its stats socket (status; econ + eresp + wretr + wredis of the
 *   server: a request tried on a dead server and redispatched counts only in wredis).
 *   this proxy: GET /admin/services/<svc>/instances (balancer.healthy) and /metrics
 *   (retries of the service + 5xx answered by the instance).
 */
import { connect } from 'node:net';
import { httpGet } from './processes.js';

export interface InstanceProbe {
  readonly down: boolean;
  readonly failedAttempts: number;
  readonly detail: string;
}

export type Probe = (instanceId: string) => Promise<InstanceProbe>;

function haproxyCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.write(`${command}\n`);
  });
}

/** Parses haproxy's `show stat` CSV into rows keyed by column name. */
export function parseHaproxyStat(csv: string): Array<Record<string, string>> {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').replace(/^#\s*/, '').split(',');
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

export function haproxyProbe(socketPath: string, backend = 'be'): Probe {
  return async (instanceId) => {
    const rows = parseHaproxyStat(await haproxyCommand(socketPath, 'show stat'));
    const row = rows.find((r) => r.pxname === backend && r.svname === instanceId);
    if (row === undefined) throw new Error(`haproxy has no server ${backend}/${instanceId}`);
    const status = row.status ?? '';
    return {
      // "DOWN", "DOWN 1/2" (going up), "MAINT": not chosen. "UP 1/2" (going down) still is.
      down: status.startsWith('DOWN') || status.startsWith('MAINT'),
      failedAttempts: Number(row.econ || 0) + Number(row.eresp || 0) + Number(row.wretr || 0) + Number(row.wredis || 0),
      detail: `${status} econ=${row.econ} eresp=${row.eresp} wretr=${row.wretr} wredis=${row.wredis}`,
    };
  };
}

interface SlbInstances {
  instances: Array<{ id: string; balancer: { healthy: boolean; unhealthySources: string[] } | null; outlier: unknown }>;
}

/** Sums the samples of a Prometheus counter whose labels include every `labels` pair. */
export function sumCounter(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const labelText = line.slice(name.length + 1, close);
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(close + 1).trim());
  }
  return sum;
}

export function slbProbe(adminUrl: string, serviceId = 'bench'): Probe {
  return async (instanceId) => {
    const [inst, metrics] = await Promise.all([httpGet(`${adminUrl}/admin/services/${serviceId}/instances`), httpGet(`${adminUrl}/metrics`)]);
    const view = JSON.parse(inst.body) as SlbInstances;
    const row = view.instances.find((i) => i.id === instanceId);
    if (row === undefined) throw new Error(`proxy has no instance ${serviceId}/${instanceId}`);
    const retries = sumCounter(metrics.body, 'slb_proxy_retries_total', { service: serviceId });
    const budgetSpent = sumCounter(metrics.body, 'slb_proxy_retry_budget_exhausted_total', { service: serviceId });
    let failed5xx = 0;
    for (const status of ['500', '502', '503', '504']) failed5xx += sumCounter(metrics.body, 'slb_proxy_requests_total', { service: serviceId, upstream: instanceId, status });
    return {
      down: row.balancer?.healthy === false,
      failedAttempts: retries + failed5xx,
      detail: `healthy=${row.balancer?.healthy} sources=${(row.balancer?.unhealthySources ?? []).join('+')} retries=${retries} budget-exhausted=${budgetSpent} 5xx=${failed5xx}`,
    };
  };
}
