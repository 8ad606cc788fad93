/**
 * What `init-topics` / `topics check` print and how they exit, from an ensureTopics report.
 * Pure: the CLI (cli.ts) does the I/O. Drift is shown as a table because an operator has to
 * act on it by hand: init-topics never alters a live topic.
 */
import type { EnsureTopicsReport } from './ensure-topics.js';

export type TopicsCommand = 'init' | 'check';

/** Exit codes of the topic CLI (documented in docs/local-kafka.md). */
export const TOPICS_EXIT = {
  ok: 0,
  failed: 1,
  unreachable: 2,
  drift: 3,
  missing: 4,
  usage: 64,
} as const;

export interface TopicsOutcome {
  readonly text: string;
  readonly exitCode: number;
}

export function topicsOutcome(command: TopicsCommand, report: EnsureTopicsReport & { missing: readonly string[] }): TopicsOutcome {
  const lines: string[] = [];
  const drifted = new Set(report.drift.map((d) => d.topic));
  const rows: [string, string][] = [
    ...report.created.map((t): [string, string] => ['created', t]),
    ...report.unchanged.map((t): [string, string] => ['unchanged', t]),
    ...[...drifted].map((t): [string, string] => ['DRIFT', t]),
    ...report.missing.map((t): [string, string] => ['MISSING', t]),
  ];
  for (const [state, topic] of rows) lines.push(`  ${state.padEnd(9)}  ${topic}`);
  lines.push(
    `created ${report.created.length}, unchanged ${report.unchanged.length}, drift ${drifted.size}, missing ${report.missing.length}`,
  );

  if (report.drift.length > 0) {
    lines.push('', "Drift: these topics exist but differ from the catalogue (init-topics never changes an existing topic):");
    lines.push(...table(['topic', 'setting', 'expected', 'actual'], report.drift.map((d) => [d.topic, d.setting, d.expected, d.actual])));
    lines.push('Fix them by hand (kafka-configs.sh / kafka-topics.sh --alter), or delete and re-create the topics.');
  }
  if (report.missing.length > 0 && command === 'check') {
    lines.push('', 'Missing topics: create them with: deployment/kafka/kafka-management.sh init-topics');
  }

  const exitCode = report.drift.length > 0 ? TOPICS_EXIT.drift : report.missing.length > 0 ? TOPICS_EXIT.missing : TOPICS_EXIT.ok;
  return { text: lines.join('\n'), exitCode };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}
