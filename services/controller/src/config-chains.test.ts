import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { exampleEvents, type ConfigUpdate, type Delivered } from '@slb/core';
import { createConfigChains } from './config-chains.js';
import { DEFAULT_DECISION_POLICY } from './decisions/index.js';
import { createControllerMetrics } from './metrics.js';
import type { Publisher } from './publisher.js';

const v7: ConfigUpdate = { ...exampleEvents()['config-updates'], serviceId: 's', version: 7, previousVersion: null, issuedAtMs: 1_000 };

function chains() {
  const audits: string[] = [];
  const publisher = {
    publishAudit: async (records: Array<{ action: string }>) => void audits.push(...records.map((r) => r.action)),
    raise: async () => undefined,
    auditContext: () => ({ newId: () => 'id', atMs: 0, actor: 'member' }),
  } as unknown as Publisher;
  const accepted: string[] = [];
  const c = createConfigChains({ basePolicy: DEFAULT_DECISION_POLICY, publisher, metrics: createControllerMetrics(new Registry()), logger: pino({ level: 'silent' }), onAccepted: (s) => void accepted.push(s) });
  return { c, audits, accepted };
}

const delivered = (value: ConfigUpdate, offset: number): Delivered<'config-updates'> => ({ topic: 'config-updates', key: value.serviceId, value, partition: 0, offset: String(offset), timestamp: 0, headers: {} });

describe('config chains and tombstones', () => {
  it('a key the view dropped is gone from both chains, with its version', async () => {
    const { c, audits } = chains();
    c.setLive(true);
    c.onConfigViewed('s', v7);
    await c.onConfigUpdate(delivered(v7, 0));
    c.onConfigViewed('t', { ...v7, serviceId: 't' });
    expect(c.known('s')?.config.version).toBe(7);

    c.onConfigRemoved('s');
    expect(c.known('s')).toBeUndefined();
    expect(c.gone('s')).toBe(true);
    expect(c.gone('t')).toBe(false);

    // History from before the tombstone (a group re-reading the partition) does not bring it back.
    await c.onConfigUpdate(delivered(v7, 0));
    expect(c.known('s')).toBeUndefined();
    expect(c.gone('s')).toBe(true);

    // A later update of a lower version re-creates the service on both chains (no replay, no STALE).
    const v3 = { ...v7, version: 3, issuedAtMs: 2_000 };
    await c.onConfigUpdate(delivered(v3, 2));
    c.onConfigViewed('s', v3);
    expect(c.known('s')?.config.version).toBe(3);
    expect(c.gone('s')).toBe(false);
    expect(audits).toEqual(['config.apply', 'config.apply', 'config.apply']);
  });

  it('a deleted config is gone too', () => {
    const { c } = chains();
    c.setLive(true);
    c.onConfigViewed('s', v7);
    c.onConfigViewed('s', { ...v7, version: 8, previousVersion: 7, issuedAtMs: 2_000, deleted: true });
    expect(c.gone('s')).toBe(true);
    expect(c.known('s')?.config.deleted).toBe(true);
  });
});
