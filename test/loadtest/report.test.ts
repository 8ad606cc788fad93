import { describe, expect, it } from 'vitest';
import type { LatencySummary } from '../../bench/loadtest/latency.js';
import type { Phase } from '../../bench/loadtest/phase-plan.js';
import { buildReport, finalLine, formatText, type PhaseOutcome, type RunInfo } from '../../bench/loadtest/report.js';

const INFO: RunInfo = { url: 'http://127.0.0.1:8080/', method: 'GET', scenario: undefined, scale: 1, connections: undefined, interrupted: false };
const LAT: LatencySummary = { count: 1, p50: 1.5, p90: 3, p99: 9.25, max: 20 };
const NONE: LatencySummary = { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };

function outcome(phase: Phase, o: Partial<PhaseOutcome> = {}): PhaseOutcome {
  return { phase, elapsedSeconds: phase.seconds, sent: 0, statusCodes: {}, errors: 0, timeouts: 0, latency: LAT, ...o };
}
const steady: Phase = { name: 'steady', kind: 'steady', rate: 100, seconds: 10 };
const base: Phase = { name: 'base 1', kind: 'base', rate: 10, seconds: 8 };
const spike: Phase = { name: 'spike 1', kind: 'spike', rate: 100, seconds: 2 };

describe('buildReport', () => {
  it.each([
    {
      name: 'one clean phase',
      outcomes: [outcome(steady, { sent: 1_000, statusCodes: { '200': 1_000 } })],
      total: { requestedRate: 100, achievedRate: 100, sent: 1_000, responses: 1_000, unanswered: 0, ok2xx: 1_000, non2xx: 0, errors: 0, timeouts: 0, plannedSeconds: 10, elapsedSeconds: 10 },
    },
    {
      name: 'non-2xx, errors and unanswered requests',
      outcomes: [outcome(steady, { sent: 1_000, statusCodes: { '200': 900, '204': 10, '503': 50, '404': 20 }, errors: 15, timeouts: 5, elapsedSeconds: 12.5 })],
      total: { responses: 980, ok2xx: 910, non2xx: 70, unanswered: 20, errors: 15, timeouts: 5, achievedRate: 78.4, elapsedSeconds: 12.5 },
    },
    {
      name: 'phases add up; the requested rate is weighted by time',
      outcomes: [
        outcome(base, { sent: 80, statusCodes: { '200': 80 } }),
        outcome(spike, { sent: 200, statusCodes: { '200': 190, '502': 6 }, errors: 4, timeouts: 1 }),
      ],
      total: { requestedRate: 28, achievedRate: 27.6, sent: 280, responses: 276, unanswered: 4, ok2xx: 270, non2xx: 6, errors: 4, timeouts: 1, plannedSeconds: 10, statusCodes: { '200': 270, '502': 6 } },
    },
    {
      name: 'nothing answered',
      outcomes: [outcome(steady, { sent: 30, latency: NONE })],
      total: { responses: 0, unanswered: 30, achievedRate: 0 },
    },
  ])('$name', ({ outcomes, total }) => {
    const r = buildReport(INFO, outcomes, LAT);
    expect(r.total).toMatchObject(total);
    expect(r.phases).toHaveLength(outcomes.length);
    expect(r.total.latencyMs).toEqual({ p50: 1.5, p90: 3, p99: 9.25, max: 20 });
  });

  it('keeps each phase its own requested rate and latency', () => {
    const r = buildReport(INFO, [outcome(base, { sent: 80, statusCodes: { '200': 80 }, latency: { count: 80, p50: 1, p90: 2, p99: 3, max: 4 } }), outcome(spike, { sent: 200, statusCodes: { '200': 200 } })], LAT);
    expect(r.phases.map((p) => [p.name, p.kind, p.requestedRate, p.achievedRate, p.latencyMs.p99])).toEqual([
      ['base 1', 'base', 10, 10, 3],
      ['spike 1', 'spike', 100, 100, 9.25],
    ]);
  });
});

describe('formatText', () => {
  it('prints one row per phase, a total for several, the odd status codes and the final line', () => {
    const text = formatText(buildReport(INFO, [outcome(base, { sent: 80, statusCodes: { '200': 80 } }), outcome(spike, { sent: 200, statusCodes: { '200': 190, '503': 10 } })], LAT));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^phase\s+rate\/s\s+achieved\/s\s+secs\s+sent\s+2xx\s+non-2xx\s+errors\s+timeouts\s+unanswered\s+p50 ms\s+p90 ms\s+p99 ms\s+max ms$/);
    expect(lines[1]).toMatch(/^base 1\s+10\s+10\s+8\.0\s+80\s+80\s+0\s+0\s+0\s+0\s+1\.50\s+3\.00\s+9\.25\s+20\.00$/);
    expect(lines[2]).toMatch(/^spike 1\s+100\s+100\s+2\.0\s+200\s+190\s+10\s/);
    expect(lines[3]).toMatch(/^total\s+28\s+28\s+10\.0\s+280\s+270\s+10\s/);
    expect(lines[4]).toBe('non-2xx status codes: 503 x10');
    expect(lines[5]).toBe(
      'loadtest done with failures: 280 responses in 10.0 s = 28/s of 28/s requested; 2xx 270, non-2xx 10, errors 0 (timeouts 0), unanswered 0; latency p50 1.50 ms, p90 3.00 ms, p99 9.25 ms, max 20.00 ms',
    );
    expect(lines).toHaveLength(6);
  });

  it('prints no total row for a single phase and dashes when nothing answered', () => {
    const lines = formatText(buildReport(INFO, [outcome(steady, { sent: 5, latency: NONE })], NONE)).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/\s+5\s+-\s+-\s+-\s+-$/);
  });
});

describe('finalLine', () => {
  it.each([
    ['done', INFO, { sent: 10, statusCodes: { '200': 10 } }, /^loadtest done: 10 responses in 10\.0 s = 1\/s of 100\/s requested;/],
    ['done with failures', INFO, { sent: 10, statusCodes: { '200': 9 } }, /^loadtest done with failures: 9 responses .* unanswered 1;/],
    ['no responses', INFO, { sent: 10, latency: NONE }, /^loadtest no responses: 0 responses .*; latency n\/a$/],
    ['interrupted', { ...INFO, interrupted: true }, { sent: 10, statusCodes: { '200': 10 } }, /^loadtest interrupted: /],
  ])('%s', (_name, info, o, pattern) => {
    expect(finalLine(buildReport(info, [outcome(steady, o)], (o as Partial<PhaseOutcome>).latency ?? LAT))).toMatch(pattern);
  });

  it('groups thousands', () => {
    const line = finalLine(buildReport(INFO, [outcome({ ...steady, rate: 50_000 }, { sent: 480_000, statusCodes: { '200': 480_000 } })], LAT));
    expect(line).toContain('480,000 responses in 10.0 s = 48,000/s of 50,000/s requested; 2xx 480,000');
  });
});
