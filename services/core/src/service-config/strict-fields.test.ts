import { describe, expect, it } from 'vitest';
import { CONFIG_UPDATE_FIELDS, didYouMean, editDistance, unknownFieldIssues, unknownFieldMessage, type RecordFields } from './strict-fields.js';

describe('editDistance (optimal string alignment: Damerau-Levenshtein without repeated edits of a substring)', () => {
  const cases: Array<[string, string, number]> = [
    ['', '', 0],
    ['weight', 'weight', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['wieght', 'weight', 1], // one transposition
    ['polcy', 'policy', 1], // one insertion
    ['helthcheck', 'healthcheck', 1],
    ['weigth', 'weight', 1],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3], // OSA, not unrestricted Damerau (which gives 2)
    ['maxretry', 'maxretries', 3],
  ];
  it.each(cases)('%j -> %j is %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('didYouMean', () => {
  const instance = ['id', 'address', 'weight', 'zone', 'tags'];
  const update = Object.keys(CONFIG_UPDATE_FIELDS.fields);
  const cases: Array<[string, readonly string[], string | undefined]> = [
    ['wieght', instance, 'weight'],
    ['Weight', instance, 'weight'], // case
    ['adress', instance, 'address'],
    ['tag', instance, 'tags'],
    ['ip', instance, 'id'], // short names: one edit
    ['helthCheck', update, 'healthCheck'],
    ['health_check', update, 'healthCheck'], // separators ignored
    ['health-check', update, 'healthCheck'],
    ['polcy', update, 'policy'],
    ['timeout', update, 'timeouts'],
    ['service_id', update, 'serviceId'],
    ['previous_version', update, 'previousVersion'],
    ['circuitbreaker', update, 'circuitBreaker'],
    ['outlier', update, undefined], // too far: no guess rather than a wrong one
    ['frobnicate', update, undefined],
    ['retry', update, undefined],
    ['', update, undefined],
  ];
  it.each(cases)('%j among %j -> %j', (word, candidates, expected) => {
    expect(didYouMean(word, candidates)).toBe(expected);
  });

  it('prefers the closest candidate, then the first in schema order', () => {
    expect(didYouMean('maxPendin', ['maxConnections', 'maxPending', 'maxRequests'])).toBe('maxPending');
    expect(didYouMean('ab', ['ax', 'ay'])).toBe('ax');
  });
});

describe('unknownFieldMessage', () => {
  it('names the record and the field meant, or lists the fields when nothing is close', () => {
    expect(unknownFieldMessage('wieght', 'InstanceConfig', ['id', 'address', 'weight', 'zone', 'tags'])).toBe("unknown field of InstanceConfig; did you mean 'weight'?");
    expect(unknownFieldMessage('frobnicate', 'Route', ['host', 'pathPrefix'])).toBe('unknown field of Route (its fields: host, pathPrefix)');
  });
});

describe('unknownFieldIssues', () => {
  const ok = { serviceId: 's', routes: [{ pathPrefix: '/' }], instances: [{ id: 'a', address: 'h:1' }] };
  const cases: Array<[string, Record<string, unknown>, Array<[string, string]>]> = [
    ['a valid config', ok, []],
    ['top level', { ...ok, wieght: 1, polcy: {} }, [['wieght', "unknown field of ConfigUpdate (its fields: serviceId, version, previousVersion, issuedAtMs, issuedBy, deleted, routes, instances, policy, slowStartMs, panicThresholdPercent, healthCheck, outlierDetection, retries, timeouts, circuitBreaker, requestBufferBytes, signature)"], ['polcy', "unknown field of ConfigUpdate; did you mean 'policy'?"]]],
    ['in a route', { ...ok, routes: [{ pathPrefix: '/' }, { pathprefix: '/x' }] }, [['routes[1].pathprefix', "unknown field of Route; did you mean 'pathPrefix'?"]]],
    ['in an instance', { ...ok, instances: [{ id: 'a', address: 'h:1', wieght: 2 }] }, [['instances[0].wieght', "unknown field of InstanceConfig; did you mean 'weight'?"]]],
    ['tags are a map: any key', { ...ok, instances: [{ id: 'a', address: 'h:1', tags: { wieght: 'x', anything: 'y' } }] }, []],
    ['in policy', { ...ok, policy: { typ: 'RANDOM' } }, [['policy.typ', "unknown field of BalancingPolicy; did you mean 'type'?"]]],
    ['in policy.hashOn', { ...ok, policy: { type: 'CONSISTENT_HASH', hashOn: { source: 'HEADER', nam: 'x' } } }, [['policy.hashOn.nam', "unknown field of HashOn; did you mean 'name'?"]]],
    ['in healthCheck', { ...ok, healthCheck: { intervalMS: 1 } }, [['healthCheck.intervalMS', "unknown field of HealthCheckConfig; did you mean 'intervalMs'?"]]],
    ['in outlierDetection', { ...ok, outlierDetection: { consecutive5XX: 1 } }, [['outlierDetection.consecutive5XX', "unknown field of OutlierDetectionConfig; did you mean 'consecutive5xx'?"]]],
    ['in retries', { ...ok, retries: { maxRetry: 1 } }, [['retries.maxRetry', "unknown field of RetryConfig; did you mean 'maxRetries'?"]]],
    ['in timeouts', { ...ok, timeouts: { request_ms: 1 } }, [['timeouts.request_ms', "unknown field of TimeoutConfig; did you mean 'requestMs'?"]]],
    ['in circuitBreaker', { ...ok, circuitBreaker: { maxConnection: 1 } }, [['circuitBreaker.maxConnection', "unknown field of CircuitBreakerConfig; did you mean 'maxConnections'?"]]],
    ['not inside an unknown field (reported once, at its top)', { ...ok, polcy: { typo: 1 } }, [['polcy', "unknown field of ConfigUpdate; did you mean 'policy'?"]]],
    ['wrong shapes are left to normalization', { ...ok, routes: 'x', instances: [1, null], policy: null, retries: [] }, []],
  ];
  it.each(cases)('%s', (_name, raw, expected) => {
    expect(unknownFieldIssues(raw).map((i) => [i.path, i.message])).toEqual(expected);
  });

  it('ignores anything that is not an object', () => {
    for (const raw of [null, undefined, 1, 'x', [], Buffer.from('x')]) expect(unknownFieldIssues(raw)).toEqual([]);
  });
});

describe('CONFIG_UPDATE_FIELDS', () => {
  it('is the field tree of proto/ConfigUpdate.avsc: records, nullable records and lists of records looked into, maps and scalars plain', () => {
    const f = CONFIG_UPDATE_FIELDS;
    expect(f.name).toBe('ConfigUpdate');
    expect(Object.keys(f.fields).slice(0, 6)).toEqual(['serviceId', 'version', 'previousVersion', 'issuedAtMs', 'issuedBy', 'deleted']);
    expect(f.fields.instances).toEqual({ items: { name: 'InstanceConfig', fields: { id: 'value', address: 'value', weight: 'value', zone: 'value', tags: 'value' } } });
    expect((f.fields.policy as RecordFields).fields.hashOn).toEqual({ name: 'HashOn', fields: { source: 'value', name: 'value' } });
    expect(f.fields.signature).toBe('value');
  });
});
