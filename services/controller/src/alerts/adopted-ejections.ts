import { dedupKey } from './alert-book.js';
import type { AlertBookState, AlertPolicy, FiringAlert } from './types.js';

/** What adoption needs of a routing decision another member published. */
export interface AdoptedDecision {
  readonly serviceId: string;
  readonly version: number;
  readonly issuedBy: string;
  readonly issuedAtMs: number;
  readonly instances: ReadonlyArray<{ readonly instanceId: string; readonly state: string; readonly reason: string }>;
}

/**
 * A member taking a service over adopts the INSTANCE_EJECTED alerts its predecessor raised for
 * the instances still ejected (without publishing them again), so that it is the one that
 * resolves them when they return. The summary quotes the ejection's own reason, as the
 * predecessor's alert did. Other alert types are re-raised from the member's own evidence. Pure.
 */
export function adoptEjectionAlerts(book: AlertBookState, decision: AdoptedDecision, atMs: number, policy: AlertPolicy): AlertBookState {
  let firing: Map<string, FiringAlert> | null = null;
  for (const i of decision.instances) {
    if (i.state !== 'EJECTED') continue;
    const key = dedupKey('INSTANCE_EJECTED', decision.serviceId, i.instanceId);
    if (book.firing.has(key)) continue;
    firing ??= new Map(book.firing);
    firing.set(key, {
      dedupKey: key,
      type: 'INSTANCE_EJECTED',
      serviceId: decision.serviceId,
      subject: i.instanceId,
      severity: policy.severityByType.INSTANCE_EJECTED,
      summary: `${decision.serviceId}/${i.instanceId} ejected: ${i.reason}`,
      firedAtMs: Math.min(atMs, decision.issuedAtMs),
      clearSinceMs: null,
      evidence: { version: decision.version, reason: i.reason, adoptedFrom: decision.issuedBy },
    });
  }
  return firing === null ? book : { ...book, firing };
}
