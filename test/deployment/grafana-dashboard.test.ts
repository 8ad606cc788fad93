/**
 * deployment/grafana/dashboards/slb.json: a well-formed Grafana dashboard whose every query is
 * valid PromQL (checked by promtool) over the metric names the services export.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { describeRun, repoRoot, requireTool, run } from './tools.js';

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}

const dashboard = JSON.parse(readFileSync(path.join(repoRoot, 'deployment/grafana/dashboards/slb.json'), 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
};
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
const targets = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, target: t })));

const PROXY_METRICS = [
  'slb_proxy_requests_total',
  'slb_proxy_request_duration_seconds_bucket',
  'slb_proxy_healthy_instances',
  'slb_proxy_config_version',
  'slb_proxy_upstream_tries_total',
  'slb_proxy_upstream_decision_state',
  'slb_proxy_upstream_ejected',
];
const CONTROL_PLANE_METRICS = ['slb_bus_consumer_lag'];
/** Node's standard process metrics, as every role exports them (no prefix). */
const PROCESS_METRICS = ['process_cpu_seconds_total', 'process_resident_memory_bytes'];

/** Grafana's variables replaced by what they expand to, so promtool can parse the query. */
function concrete(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$service', '.*');
}

let scratch: string;
beforeAll(() => {
  requireTool('promtool');
  scratch = mkdtempSync(path.join(tmpdir(), 'slb-grafana-'));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('Grafana dashboard', () => {
  it('is a dashboard with unique panel ids laid out on the 24-column grid', () => {
    expect(dashboard.uid).toBe('slb-overview');
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'service']);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
    }
    for (const panel of queryPanels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
  });

  it('queries the Prometheus chosen in its datasource variable', () => {
    for (const { panel, target } of targets) {
      expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
  });

  it('has only queries promtool accepts as PromQL', () => {
    const rules = {
      groups: [{
        name: 'dashboard-queries',
        rules: targets.map(({ panel, target }) => ({ record: `dashboard:panel_${panel.id}_${target.refId}`, expr: concrete(target.expr) })),
      }],
    };
    const file = path.join(scratch, 'dashboard-queries.yml');
    writeFileSync(file, stringify(rules));
    const result = run('promtool', ['check', 'rules', file]);
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stdout).toContain(`SUCCESS: ${targets.length} rules found`);
  });

  // role-metrics.test.ts checks each of these against what a real Prometheus scraped from the roles.
  it('shows the proxy, control-plane and process metrics listed here, and no other', () => {
    const exprs = targets.map(({ target }) => target.expr.replace(/"[^"]*"/g, '""'));
    const used = new Set(exprs.flatMap((e) => e.match(/\b(?:slb|process|nodejs)_[a-z_]+/g) ?? []));
    expect([...used].sort()).toEqual([...PROXY_METRICS, ...CONTROL_PLANE_METRICS, ...PROCESS_METRICS].sort());
  });
});
