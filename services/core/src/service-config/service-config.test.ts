import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkConfigUpdate, normalizeConfigUpdate, signConfigUpdate } from './index.js';

const base = {
  serviceId: 'shop',
  version: 3,
  routes: [{ pathPrefix: '/shop' }],
  instances: [
    { id: 'a', address: '127.0.0.1:8081' },
    { id: 'b', address: '[::1]:8082', weight: 2 },
  ],
  policy: { type: 'ROUND_ROBIN' },
};

describe('service config checks', () => {
  it('fills every default of the schema', () => {
    const { value, issues } = normalizeConfigUpdate(base);
    expect(issues).toEqual([]);
    expect(value.instances[0]).toEqual({ id: 'a', address: '127.0.0.1:8081', weight: 1, zone: null, tags: {} });
    expect(value.timeouts).toEqual({ requestMs: 15000, idleMs: 60000 });
    expect(value.routes[0]).toEqual({ host: null, pathPrefix: '/shop' });
  });

  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['empty instance list', { instances: [] }, ['instances']],
    ['duplicate ids and bad address', { instances: [{ id: 'a', address: 'x:1' }, { id: 'a', address: 'nope' }] }, ['instances[1].id', 'instances[1].address']],
    ['port out of range', { instances: [{ id: 'a', address: '127.0.0.1:70000' }] }, ['instances[0].address']],
    ['negative weight', { instances: [{ id: 'a', address: 'h:1', weight: -1 }] }, ['instances[0].weight']],
    ['all weights zero', { instances: [{ id: 'a', address: 'h:1', weight: 0 }] }, ['instances']],
    ['negative request buffer', { requestBufferBytes: -1 }, ['requestBufferBytes']],
    ['request buffer over 64 MiB', { requestBufferBytes: 64 * 1024 * 1024 + 1 }, ['requestBufferBytes']],
    ['hashOn required for CONSISTENT_HASH', { policy: { type: 'CONSISTENT_HASH' } }, ['policy.hashOn']],
    ['header hash needs a name', { policy: { type: 'CONSISTENT_HASH', hashOn: { source: 'HEADER' } } }, ['policy.hashOn.name']],
    ['unknown policy', { policy: { type: 'FASTEST' } }, ['policy.type']],
    ['zero request timeout', { timeouts: { requestMs: 0 } }, ['timeouts.requestMs']],
    ['health check timeout above interval', { healthCheck: { type: 'HTTP', intervalMs: 1000, timeoutMs: 2000 } }, ['healthCheck.timeoutMs']],
    ['thresholds', { healthCheck: { type: 'TCP', healthyThreshold: 0 }, outlierDetection: { maxEjectionPercent: 150 } }, ['healthCheck.healthyThreshold', 'outlierDetection.maxEjectionPercent']],
    ['retries', { retries: { backoffBaseMs: 100, backoffMaxMs: 10, hedgeAfterQuantile: 1.5 } }, ['retries.backoffMaxMs', 'retries.hedgeAfterQuantile']],
    ['route without slash and wrong types at once', { routes: [{ pathPrefix: 'api' }], slowStartMs: 'x', version: 'two' }, ['version', 'slowStartMs']],
  ];
  it.each(cases)('rejects %s, listing every problem with its path', (_name, patch, paths) => {
    const r = checkConfigUpdate({ ...base, ...patch });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('SLB_SERVICE_CONFIG_INVALID');
    expect(r.issues.map((i) => i.path)).toEqual(expect.arrayContaining(paths));
  });

  // Issue 13: a misspelt field is an error, not a silently kept default; and every value the
  // Avro contract refuses at encoding (what `slbctl config push` publishes) is refused here too.
  const strict: Array<[string, Record<string, unknown>, Array<[string, string]>]> = [
    ['a misspelt instance field', { instances: [{ id: 'a', address: 'h:1', wieght: 2 }] }, [['instances[0].wieght', "unknown field of InstanceConfig; did you mean 'weight'?"]]],
    ['a misspelt block', { helthCheck: { type: 'HTTP' } }, [['helthCheck', "unknown field of ConfigUpdate; did you mean 'healthCheck'?"]]],
    ['a misspelt field beside a wrong type', { polcy: {}, slowStartMs: 'x' }, [['polcy', "unknown field of ConfigUpdate; did you mean 'policy'?"], ['slowStartMs', 'must be an integer >= 0, got "x"']]],
    ['a bounded-load factor of 0 (the contract needs >= 1)', { policy: { type: 'CONSISTENT_HASH', hashOn: { source: 'CLIENT_IP' }, boundedLoadFactor: 0 } }, [['policy.boundedLoadFactor', 'must be >= 1']]],
    ['an int above 2^31-1', { outlierDetection: { intervalMs: 3_000_000_000 } }, [['outlierDetection.intervalMs', 'expected a 32-bit integer, got 3000000000']]],
    ['an int above 2^31-1 with no semantic bound', { circuitBreaker: { maxPending: 2 ** 31 } }, [['circuitBreaker.maxPending', 'expected a 32-bit integer, got 2147483648']]],
    ['an empty writer', { issuedBy: '' }, [['issuedBy', 'must not be empty']]],
  ];
  it.each(strict)('rejects %s (SLB_SERVICE_CONFIG_INVALID, each problem once)', (_name, patch, expected) => {
    const r = checkConfigUpdate({ ...base, ...patch });
    expect(r.ok ? [] : r.issues.map((i) => [i.path, i.message])).toEqual(expected);
    expect(r.ok ? '' : r.error.code).toBe('SLB_SERVICE_CONFIG_INVALID');
  });

  it('does not report twice what shape or meaning already reported (the contract stage runs last)', () => {
    const r = checkConfigUpdate({ ...base, routes: [{ pathPrefix: 'x' }], issuedBy: 7 });
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(['issuedBy', 'routes[0].pathPrefix']);
  });

  it("with unknownFields: 'ignore', drops unknown fields as an Avro reader drops a newer writer's", () => {
    const r = checkConfigUpdate({ ...base, owner: 'team-a', instances: [{ id: 'a', address: 'h:1', wieght: 2 }] }, { unknownFields: 'ignore' });
    expect(r.ok ? r.value.instances : r.issues).toEqual([{ id: 'a', address: 'h:1', weight: 1, zone: null, tags: {} }]);
  });

  it('refuses a version that is not newer than the applied one', () => {
    expect(checkConfigUpdate(base, { appliedVersion: 2 }).ok).toBe(true);
    const r = checkConfigUpdate(base, { appliedVersion: 3 });
    expect(r.ok ? '' : r.error.code).toBe('SLB_SERVICE_CONFIG_STALE');
  });

  it('verifies Ed25519 signatures over the canonical encoding', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const signed = signConfigUpdate(normalizeConfigUpdate(base).value, privateKey);
    expect(checkConfigUpdate(signed, { publicKey }).ok).toBe(true);
    // The same update as JSON with the signature in base64 and defaults omitted still verifies.
    expect(checkConfigUpdate({ ...base, signature: signed.signature!.toString('base64') }, { publicKey }).ok).toBe(true);
    const unsigned = checkConfigUpdate(base, { publicKey });
    expect(unsigned.ok ? '' : unsigned.error.code).toBe('SLB_SERVICE_CONFIG_UNSIGNED');
    const forged = checkConfigUpdate({ ...signed, instances: [{ id: 'evil', address: '10.0.0.1:80' }] }, { publicKey });
    expect(forged.ok ? '' : forged.error.code).toBe('SLB_SERVICE_CONFIG_FORGED');
    const otherKey = generateKeyPairSync('ed25519').publicKey;
    expect(checkConfigUpdate(signed, { publicKey: otherKey }).ok).toBe(false);
  });

  it('a field added after the first release is signed only when it is not at its default', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    // What a release-1 slbctl signed: the normalized update of its schema, without the new field.
    const { requestBufferBytes: _added, ...releaseOne } = normalizeConfigUpdate(base).value;
    const signedByOld = signConfigUpdate(releaseOne as never, privateKey);
    expect(checkConfigUpdate({ ...base, signature: signedByOld.signature!.toString('base64') }, { publicKey }).ok).toBe(true);
    // Set to anything else, the field is covered: changing it breaks the signature.
    const tuned = signConfigUpdate(normalizeConfigUpdate({ ...base, requestBufferBytes: 4096 }).value, privateKey);
    expect(checkConfigUpdate(tuned, { publicKey }).ok).toBe(true);
    const changed = checkConfigUpdate({ ...tuned, requestBufferBytes: 8192 }, { publicKey });
    expect(changed.ok ? '' : changed.error.code).toBe('SLB_SERVICE_CONFIG_FORGED');
  });
});
