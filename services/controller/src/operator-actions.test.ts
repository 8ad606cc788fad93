import { describe, expect, it } from 'vitest';
import { exampleEvents, type ConfigUpdate } from '@slb/core';
import { applyOperatorAction, DRAINED_WEIGHT_TAG } from './operator-actions.js';

const v7: ConfigUpdate = { ...exampleEvents()['config-updates'], version: 7, instances: exampleEvents()['config-updates'].instances.map((i) => ({ ...i, weight: 3 })) };

describe('applyOperatorAction', () => {
  it.each([
    { name: 'drain sets weight 0 and remembers the old one', action: { kind: 'drain', instanceId: 'checkout-1' } as const, weight: 0, tag: '3' },
    { name: 'set-weight sets the static weight', action: { kind: 'set-weight', instanceId: 'checkout-1', weight: 5 } as const, weight: 5, tag: undefined },
  ])('$name', ({ action, weight, tag }) => {
    const next = applyOperatorAction(v7, action, 'controller-a', 100);
    const inst = next.instances.find((i) => i.id === 'checkout-1')!;
    expect(inst.weight).toBe(weight);
    expect(inst.tags[DRAINED_WEIGHT_TAG]).toBe(tag);
    expect(next.instances.find((i) => i.id === 'checkout-2')).toEqual(v7.instances[1]);
    expect(next.previousVersion).toBe(7);
    expect(next.issuedBy).toBe('controller-a');
    expect(next.signature).toBeNull();
  });

  it('undrain restores the drained weight', () => {
    const drained = applyOperatorAction(v7, { kind: 'drain', instanceId: 'checkout-2' }, 'c', 100);
    const back = applyOperatorAction(drained, { kind: 'undrain', instanceId: 'checkout-2' }, 'c', 200);
    expect(back.instances.find((i) => i.id === 'checkout-2')).toEqual(v7.instances[1]);
  });

  it.each([
    { nowMs: 5, version: 8 },
    { nowMs: 1_000, version: 1_000 },
  ])('versions are max(current + 1, now): now $nowMs -> $version', ({ nowMs, version }) => {
    expect(applyOperatorAction(v7, { kind: 'drain', instanceId: 'checkout-1' }, 'c', nowMs).version).toBe(version);
  });

  it.each([
    { action: { kind: 'drain', instanceId: 'nope' } as const, code: 'SLB_CONTROLLER_NOT_FOUND' },
    { action: { kind: 'set-weight', instanceId: 'checkout-1', weight: -1 } as const, code: 'SLB_CONTROLLER_BAD_REQUEST' },
  ])('refuses $action.kind on $action.instanceId with $code', ({ action, code }) => {
    expect(() => applyOperatorAction(v7, action, 'c', 1)).toThrow(expect.objectContaining({ code }));
  });
});
