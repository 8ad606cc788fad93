/**
 * Consistency: for each ejection, do the words agree? The audit record's reason and its
 * evidence, the routing decision it belongs to (its evidence and the instance's reason), the
 * INSTANCE_EJECTED alert, /api/why and the console's row must carry the same score and reason.
 * Pure: every mismatch is returned as a sentence.
 */
import type { AuditRecord, Observed } from './observer.js';
import { SERVICE_ID } from './balancers.js';

const TOLERANCE = 0.0005;

export interface ConsistencyReport {
  readonly ejections: number;
  readonly mismatches: string[];
}

/** The score a sentence names: "score 0.346", or the newest of "scores 0.000, 0.120". */
export function scoreIn(text: string): number | undefined {
  const m = /scores? (\d+(?:\.\d+)?(?:, \d+(?:\.\d+)?)*)/.exec(text);
  return m === null ? undefined : Number(m[1]!.split(', ').at(-1));
}

const differ = (a: number | undefined, b: number | undefined) => a !== undefined && b !== undefined && Math.abs(a - b) > TOLERANCE;
const f = (v: number | undefined) => (v === undefined ? 'none' : v.toFixed(3));

function decisionVersionOf(r: AuditRecord): number | undefined {
  try {
    return (JSON.parse(r.after ?? 'null') as { decisionVersion?: number } | null)?.decisionVersion;
  } catch {
    return undefined;
  }
}

/**
 * The newest score evidence cites for an instance. An ejection's evidence lists the windows that
 * caused it oldest first, and its reason names them in the same order, so the last of each match.
 */
function newestOf(scores: ReadonlyArray<{ instanceId: string; score: number }> | undefined, id: string): number | undefined {
  return scores?.filter((s) => s.instanceId === id).at(-1)?.score;
}

export function checkConsistency(o: Observed): ConsistencyReport {
  const mismatches: string[] = [];
  const ejections = o.audit.filter((r) => r.action === 'instance.eject');
  for (const e of ejections) {
    const id = e.entityId.split('/')[1]!;
    const at = new Date(e.atMs).toISOString().slice(11, 23);
    const say = (what: string) => mismatches.push(`${id} ejected ${at}: ${what}`);
    const reasonScore = scoreIn(e.reason);
    const evidenceScore = newestOf(e.evidence?.scores, id);
    if (reasonScore === undefined) say(`audit reason names no score ("${e.reason}")`);
    if (evidenceScore === undefined) say('audit evidence has no score for it');
    if (differ(reasonScore, evidenceScore)) say(`audit reason says score ${f(reasonScore)}, its own evidence ${f(evidenceScore)}`);

    const version = decisionVersionOf(e);
    const decision = version === undefined ? undefined : o.decisions.get(version);
    if (decision === undefined) say(`decision ${version ?? '?'} not observed (cannot compare)`);
    else {
      const dScore = newestOf(decision.evidence.scores, id);
      const dInst = decision.instances.find((i) => i.instanceId === id);
      if (differ(reasonScore, dScore)) say(`audit reason score ${f(reasonScore)}, decision ${version} evidence ${f(dScore)}`);
      if (dInst !== undefined && dInst.reason !== e.reason) say(`decision reason "${dInst.reason}" ≠ audit reason "${e.reason}"`);
      if (dInst !== undefined && dInst.state !== 'EJECTED') say(`decision ${version} has it ${dInst.state}`);
    }

    const fire = o.audit.find((r) => r.action === 'alert.fire' && r.entityId === `INSTANCE_EJECTED/${SERVICE_ID}/${id}` && r.atMs >= e.atMs - 1_000 && r.atMs <= e.atMs + 3_000);
    if (fire !== undefined) {
      const aScore = scoreIn(fire.reason);
      if (aScore === undefined) say(`alert "${fire.reason}" names no score`);
      if (differ(reasonScore, aScore)) say(`alert says score ${f(aScore)} ("${fire.reason}"), audit ${f(reasonScore)}`);
    }
    const alert = o.alerts.find((a) => a.dedupKey === `INSTANCE_EJECTED/${SERVICE_ID}/${id}` && Math.abs(a.startsAtMs - e.atMs) <= 3_000);
    if (alert !== undefined) {
      const aev = newestOf(alert.evidence?.scores, id);
      if (differ(reasonScore, aev)) say(`alert evidence score ${f(aev)}, audit ${f(reasonScore)}`);
      const dScore = scoreIn(alert.description);
      if (differ(reasonScore, dScore)) say(`alert description says score ${f(dScore)}, audit ${f(reasonScore)}`);
    }
  }
  // /api/why answers with the newest ejection of the instance: it must be that record.
  for (const w of o.why) {
    const last = ejections.filter((e) => e.entityId === `${SERVICE_ID}/${w.instanceId}`).at(-1);
    if (last === undefined) continue;
    if (w.lastEjection === null) mismatches.push(`${w.instanceId}: /api/why knows no ejection, audit has one at ${new Date(last.atMs).toISOString().slice(11, 23)}`);
    else if (w.lastEjection.reason !== last.reason) mismatches.push(`${w.instanceId}: /api/why reason "${w.lastEjection.reason}" ≠ newest audit reason "${last.reason}"`);
    if (differ(scoreIn(w.answer), scoreIn(last.reason))) mismatches.push(`${w.instanceId}: /api/why answer score ${f(scoreIn(w.answer))} ≠ audit ${f(scoreIn(last.reason))}`);
  }
  // The console row of an ejected instance: the operator reads its score and reason there.
  const rowIssues = new Map<string, string>();
  for (const row of o.consoleRows) {
    const last = ejections.filter((e) => e.entityId === `${SERVICE_ID}/${row.instanceId}` && e.atMs <= row.atMs).at(-1);
    if (last === undefined) continue;
    const s = scoreIn(last.reason);
    if (row.score !== null && differ(row.score, s)) rowIssues.set(`${row.instanceId}-score`, `${row.instanceId}: console row EJECTED with score ${row.score.toFixed(3)}, ejection score ${f(s)}`);
    if (row.reason !== last.reason) rowIssues.set(`${row.instanceId}-reason`, `${row.instanceId}: console row reason "${row.reason}" ≠ audit "${last.reason}"`);
  }
  mismatches.push(...rowIssues.values());
  return { ejections: ejections.length, mismatches };
}
