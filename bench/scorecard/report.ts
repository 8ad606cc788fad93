/** The scorecard's printed table and notes (Markdown, so a run pastes into the docs). */
import { fmt, markdownTable } from '../proxy/report.js';
import type { Row } from './scorecard-row.js';

const ms = (v: number | null | undefined) => (v === undefined ? 'n/a' : v === null ? 'never' : String(Math.round(v)));
const pct = (v: number | null | undefined) => (v === undefined ? 'n/a' : v === null ? '–' : `${(v * 100).toFixed(1)} %`);
const miss = (bad: boolean, text: string) => (bad ? `**${text}** ✗` : text);

export function scorecardTable(rows: readonly Row[]): string {
  const header = [
    'scenario',
    'load',
    'false ejection inst·s',
    'false alerts / fired',
    'last request to bad after ms',
    'weight < 0.1 after ms (any / decision)',
    'gray: share < 5 % after ms / share after 5 s',
    'recovery: 1st request / fully back ms',
    'client errors / requests',
    'p99 ms (fault window)',
    'oracle p99 ms',
    '× oracle',
    'nginx least_conn p99 / errors',
    'haproxy leastconn p99 / errors',
    'consistency (ejections, mismatches)',
    'missed targets',
  ];
  const body = rows.map((r) => [
    r.scenario,
    r.loadavg1.toFixed(1),
    miss(r.falseEjectionSec > 0, fmt(r.falseEjectionSec, 1)),
    miss(r.falseAlerts.length > 0, `${r.falseAlerts.length} / ${r.alertsFired}`),
    r.noTrafficAfterMs === undefined ? 'n/a' : `${ms(r.noTrafficAfterMs)}${r.noTrafficMeasuredAt === 'proxy tries' ? ' (tries)' : ''}`,
    `${ms(r.weightBelowAfterMs)} / ${ms(r.decisionBelowAfterMs)}`,
    `${ms(r.shareBelowAfterMs)} / ${pct(r.badShareAfter5s)}`,
    `${ms(r.firstRequestAfterEndMs)} / ${ms(r.fullyBackAfterEndMs)}`,
    miss(r.clientErrors > 0, `${r.clientErrors} / ${r.requests}`),
    fmt(r.p99Ms, 1),
    r.oracleP99Ms === undefined ? 'n/a' : fmt(r.oracleP99Ms, 1),
    r.p99Ratio === undefined ? 'n/a' : miss(r.p99Ratio === null || r.p99Ratio > 1.2, fmt(r.p99Ratio, 2)),
    r.peers.nginx === undefined ? 'n/a' : `${fmt(r.peers.nginx.p99Ms, 1)} / ${r.peers.nginx.errors}`,
    r.peers.haproxy === undefined ? 'n/a' : `${fmt(r.peers.haproxy.p99Ms, 1)} / ${r.peers.haproxy.errors}`,
    miss(r.mismatches.length > 0, `${r.ejections}, ${r.mismatches.length}`),
    r.misses.length === 0 ? 'none' : `**${r.misses.join('; ')}**`,
  ]);
  return markdownTable(header, body);
}

/** The details behind each row's misses: what was cut by which part, which alerts, which words disagreed. */
export function scorecardNotes(rows: readonly Row[]): string {
  const out: string[] = [];
  for (const r of rows) {
    const lines: string[] = [];
    if (r.falseEjectionSec > 0) lines.push(`false cuts by part (inst·s): ${Object.entries(r.falseEjectionByPart).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
    if (r.alertNames.length > 0) lines.push(`alerts fired: ${r.alertNames.join(', ')}`);
    for (const a of r.falseAlerts) lines.push(`false alert: ${a}`);
    if (r.clientErrors > 0) lines.push(`client errors: ${Object.entries(r.clientErrorKinds).map(([k, v]) => `${k} ×${v}`).join(', ')}`);
    for (const m of r.mismatches.slice(0, 8)) lines.push(`mismatch: ${m}`);
    if (r.mismatches.length > 8) lines.push(`… and ${r.mismatches.length - 8} more mismatches`);
    for (const [peer, f] of Object.entries(r.peers)) if (f.badShareAfter5s !== null) lines.push(`${peer}: bad instance's share from 5 s after the fault ${(f.badShareAfter5s * 100).toFixed(1)} %`);
    if (lines.length > 0) out.push(`- **${r.scenario}**\n${lines.map((l) => `  - ${l}`).join('\n')}`);
  }
  return out.join('\n');
}
