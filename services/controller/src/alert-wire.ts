/** An alert-book transition as the `alerts` event (proto/Alert.avsc). Pure. */
import type { Alert, Evidence, SourceOffset } from '@slb/core';
import type { AlertEvent } from './alerts/index.js';
import type { InstanceEvidence } from './decisions/index.js';
import { evidenceScores } from './decision-wire.js';

const MAX_NOTE_CHARS = 4_000;

function isInstanceEvidence(v: unknown): v is InstanceEvidence {
  return typeof v === 'object' && v !== null && 'instanceId' in v && 'sources' in v && 'windowsBelowEject' in v;
}

/** Scores, windows and offsets when the signal's evidence carries an instance's, plus the whole evidence as JSON. */
export function alertEvidence(evidence: unknown): Evidence {
  const out: Evidence = { scores: [], windows: [], sources: [], notes: [] };
  const instance = typeof evidence === 'object' && evidence !== null ? (evidence as { instance?: unknown }).instance : undefined;
  if (isInstanceEvidence(instance)) {
    // An ejected instance is evidenced by the windows that ejected it, as in its decision.
    out.scores.push(...evidenceScores(instance));
    if (instance.windowStartMs !== null && instance.windowEndMs !== null) out.windows.push({ startMs: instance.windowStartMs, endMs: instance.windowEndMs });
    out.sources.push(...instance.sources.map((s): SourceOffset => ({ topic: s.topic, partition: s.partition, offset: Number(s.offset) })));
    if (instance.ejection !== null) out.notes.push(`ejected: ${instance.ejection.reason}`, ...instance.ejection.because);
    out.notes.push(...instance.reasons);
  }
  if (evidence !== null && evidence !== undefined) {
    const text = JSON.stringify(evidence);
    out.notes.push(text.length > MAX_NOTE_CHARS ? `${text.slice(0, MAX_NOTE_CHARS)}…` : text);
  }
  return out;
}

export function toWireAlert(e: AlertEvent, context: { readonly alertId: string; readonly member: string }): Alert {
  const instanceId = e.type === 'INSTANCE_EJECTED' ? e.subject : null;
  const labels: Record<string, string> = { source: 'controller', member: context.member };
  if (e.subject !== null && instanceId === null) labels[e.type === 'PROXY_STALE' ? 'proxyId' : 'subject'] = e.subject;
  return {
    alertId: context.alertId,
    dedupKey: e.dedupKey,
    name: e.type,
    state: e.status === 'firing' ? 'FIRING' : 'RESOLVED',
    severity: e.severity === 'critical' ? 'CRITICAL' : e.severity === 'warning' ? 'WARNING' : 'INFO',
    serviceId: e.serviceId,
    instanceId,
    summary: e.summary,
    description: e.status === 'firing' ? `${e.type} for ${e.serviceId}${e.subject === null ? '' : `/${e.subject}`} since ${new Date(e.startsAtMs).toISOString()}` : `resolved after ${(e.atMs - e.startsAtMs) / 1000} s`,
    labels,
    startsAtMs: e.startsAtMs,
    endsAtMs: e.endsAtMs,
    evidence: alertEvidence(e.evidence),
  };
}
