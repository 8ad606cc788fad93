import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isSlbError } from '../errors/index.js';
import { exampleEvents } from './examples.js';
import { eventFromJson, eventToJson, looksLikeJson } from './json-form.js';

const minimal = { serviceId: 'checkout', version: 3, issuedAtMs: 1, issuedBy: 'kcat', instances: [{ id: 'c1', address: '127.0.0.1:9001' }] };

function issuesOf(text: string): Array<{ path: string; message: string }> {
  try {
    eventFromJson('config-updates', text);
  } catch (error) {
    if (isSlbError(error, 'SLB_EVENT_INVALID')) return error.details?.issues as Array<{ path: string; message: string }>;
    throw error;
  }
  throw new Error('expected SLB_EVENT_INVALID');
}

describe('config-updates JSON form', () => {
  it('fills schema defaults for missing fields', () => {
    const update = eventFromJson('config-updates', JSON.stringify(minimal));
    expect(update.policy).toEqual({ type: 'PEAK_EWMA', hashOn: null, boundedLoadFactor: null });
    expect(update.instances[0]).toEqual({ id: 'c1', address: '127.0.0.1:9001', weight: 1, zone: null, tags: {} });
    expect(update.timeouts).toEqual({ requestMs: 15_000, idleMs: 60_000 });
    expect(update.healthCheck).toBeNull();
    expect(update.deleted).toBe(false);
  });

  it('fills defaults inside a nullable record given partially', () => {
    const update = eventFromJson('config-updates', JSON.stringify({ ...minimal, healthCheck: { type: 'TCP' } }));
    expect(update.healthCheck).toEqual({ type: 'TCP', path: '/health', intervalMs: 5_000, timeoutMs: 1_000, healthyThreshold: 2, unhealthyThreshold: 3, jitterPercent: 10 });
  });

  it('round-trips the example through its JSON form, bytes as base64', () => {
    const example = { ...exampleEvents()['config-updates'], signature: Buffer.from([1, 2, 3, 250]) };
    const json = eventToJson('config-updates', example) as Record<string, unknown>;
    expect(json.signature).toBe('AQID+g==');
    expect(eventFromJson('config-updates', JSON.stringify(json))).toEqual(example);
  });

  it.each([
    ['a required field missing', { ...minimal, serviceId: undefined }, [['serviceId', 'is required']]],
    ['a wrong type deep inside', { ...minimal, instances: [{ id: 'c1', address: '127.0.0.1:9001', weight: 'heavy' }] }, [['instances[0].weight', 'expected a number (int)']]],
    ['a misspelt field', { ...minimal, timeouts: { requestMs: 1_000, idelMs: 5 } }, [['timeouts.idelMs', 'unknown field of TimeoutConfig']]],
    ['Avro-JSON wrapped unions', { ...minimal, previousVersion: { long: 2 } }, [['previousVersion', 'expected a number (long)']]],
    ['a signature that is not base64', { ...minimal, signature: 'not base64!' }, [['signature', 'expected base64 text']]],
    ['a semantic error', { ...minimal, instances: [{ id: 'c1', address: 'nowhere' }] }, [['instances[0].address', 'host:port']]],
  ])('rejects %s with the field path', (_name, body, expected) => {
    const issues = issuesOf(JSON.stringify(body));
    expect(issues.map((i) => i.path)).toEqual(expected.map(([p]) => p));
    expected.forEach(([, message], i) => expect(issues[i]?.message).toContain(message));
  });

  it('the kcat example in docs/topics-and-schemas.md is a valid update', () => {
    const doc = readFileSync(new URL('../../../../docs/topics-and-schemas.md', import.meta.url), 'utf8');
    const body = /echo '(\{.*\})'/.exec(doc)?.[1];
    expect(body).toBeDefined();
    expect(eventFromJson('config-updates', body as string).instances.map((i) => i.weight)).toEqual([1, 3]);
  });

  it('rejects text that is not JSON as undecodable', () => {
    expect(() => eventFromJson('config-updates', '{"serviceId": ')).toThrow(expect.objectContaining({ code: 'SLB_EVENT_UNDECODABLE' }));
  });

  it.each([
    ['{"a":1}', true],
    ['  \n\t{', true],
    ['[1]', false],
    ['', false],
    ['\u0000\u0000\u0000\u0000\u0001', false],
  ])('looksLikeJson(%j) = %s', (text, expected) => {
    expect(looksLikeJson(Buffer.from(text))).toBe(expected);
  });
});
