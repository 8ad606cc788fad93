/**
 * Operator actions through the admin API, as the next version of a service's config. The
 * controller does not change routing behind the proxies' backs: an action is a new
 * config-updates version (versioned, validated and audited like any other), so slbctl, the
 * console and every proxy see the same history. Pure: `nowMs` and the actor are arguments.
 */
import { SlbError, type ConfigUpdate } from '@slb/core';

/** Tag that remembers a drained instance's weight, so "undrain" can put it back. */
export const DRAINED_WEIGHT_TAG = 'slb.drained-weight';

export type OperatorAction =
  | { readonly kind: 'drain'; readonly instanceId: string }
  | { readonly kind: 'undrain'; readonly instanceId: string }
  | { readonly kind: 'set-weight'; readonly instanceId: string; readonly weight: number };

export function actionName(action: OperatorAction): string {
  return `instance.${action.kind}`;
}

/**
 * The config that results from `action` on `current`. Drain sets the instance's weight to 0 (no
 * new requests; in-flight ones finish) and remembers the old weight in a tag; undrain restores
 * it; set-weight sets the static weight (and clears a drain). Versions follow the decision rule:
 * max(current + 1, now), so they never fall behind the clock nor repeat.
 */
export function applyOperatorAction(current: ConfigUpdate, action: OperatorAction, actor: string, nowMs: number): ConfigUpdate {
  const index = current.instances.findIndex((i) => i.id === action.instanceId);
  if (index < 0) throw new SlbError('SLB_CONTROLLER_NOT_FOUND', `service ${current.serviceId} has no instance ${action.instanceId}`);
  const instances = current.instances.map((inst, i) => {
    if (i !== index) return inst;
    const { [DRAINED_WEIGHT_TAG]: saved, ...otherTags } = inst.tags;
    switch (action.kind) {
      case 'drain':
        if (inst.weight === 0) return inst;
        return { ...inst, weight: 0, tags: { ...otherTags, [DRAINED_WEIGHT_TAG]: String(inst.weight) } };
      case 'undrain': {
        const restored = saved === undefined ? Number.NaN : Number(saved);
        return { ...inst, weight: Number.isFinite(restored) && restored > 0 ? restored : 1, tags: otherTags };
      }
      case 'set-weight':
        if (!(Number.isFinite(action.weight) && action.weight >= 0)) throw new SlbError('SLB_CONTROLLER_BAD_REQUEST', `weight must be a number >= 0, got ${action.weight}`);
        return { ...inst, weight: action.weight, tags: otherTags };
    }
  });
  return {
    ...current,
    version: Math.max(current.version + 1, Math.floor(nowMs)),
    previousVersion: current.version,
    issuedAtMs: nowMs,
    issuedBy: actor,
    instances,
    // A signature covers the old content; the controller does not hold operators' keys.
    signature: null,
  };
}
