import { describe, expect, it } from 'vitest';
import { TOPIC_NAMES, type TopicName } from '../topics/catalogue.js';
import { exampleEvents } from './examples.js';
import { validateEvent } from './validate.js';

type Mutation = (event: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Case {
  readonly topic: TopicName;
  readonly name: string;
  readonly mutate: Mutation;
  /** Expected [path, message fragment] of the issues, in order. */
  readonly issues: ReadonlyArray<readonly [string, string]>;
}

describe('validateEvent', () => {
  it.each(TOPIC_NAMES)('accepts the example %s event', (topic) => {
    expect(validateEvent(topic, exampleEvents()[topic])).toEqual([]);
  });

  const cases: Case[] = [
    // structure
    { topic: 'service-metrics', name: 'missing field', mutate: (e) => delete e.proxyId, issues: [['proxyId', 'is required']] },
    { topic: 'service-metrics', name: 'wrong nested type', mutate: (e) => (e.metrics.rps = '150'), issues: [['metrics.rps', 'expected a number (double), got "150"']] },
    { topic: 'service-metrics', name: 'NaN', mutate: (e) => (e.metrics.rps = Number.NaN), issues: [['metrics.rps', 'finite']] },
    { topic: 'service-metrics', name: 'negative count', mutate: (e) => (e.errors.timeouts = -1), issues: [['errors.timeouts', '>= 0']] },
    { topic: 'service-metrics', name: 'error rate above 1', mutate: (e) => (e.metrics.errorRate = 1.5), issues: [['metrics.errorRate', '[0, 1]']] },
    { topic: 'service-metrics', name: 'window backwards', mutate: (e) => (e.windowEndMs = e.windowStartMs - 1), issues: [['windowEndMs', 'before windowStartMs']] },
    { topic: 'service-metrics', name: 'sketch not bytes', mutate: (e) => (e.latencySketch = 'abc'), issues: [['latencySketch', 'expected bytes']] },
    { topic: 'service-metrics', name: 'tag value not string', mutate: (e) => (e.tags.region = 1), issues: [['tags.region', 'expected a string']] },
    { topic: 'service-metrics', name: 'unknown field', mutate: (e) => (e.rpsTypo = 1), issues: [['rpsTypo', 'unknown field of ServiceMetrics']] },
    { topic: 'health-status', name: 'bad enum', mutate: (e) => (e.status = 'OK'), issues: [['status', 'expected one of HEALTHY, UNHEALTHY, DEGRADED']] },
    { topic: 'health-status', name: 'empty instanceId', mutate: (e) => (e.instanceId = ''), issues: [['instanceId', 'must not be empty']] },
    { topic: 'health-status', name: 'long not integer', mutate: (e) => (e.timestamp = 1.5), issues: [['timestamp', 'expected an integer']] },
    { topic: 'metrics-aggregated', name: 'int overflow', mutate: (e) => (e.proxiesReporting = 2 ** 31), issues: [['proxiesReporting', '32-bit integer']] },
    { topic: 'health-scores', name: 'score above 1', mutate: (e) => (e.score = 1.2), issues: [['score', '[0, 1]']] },
    { topic: 'health-scores', name: 'component value above 1', mutate: (e) => (e.components[1].value = 2), issues: [['components[1].value', '[0, 1]']] },
    { topic: 'routing-decisions', name: 'bad instance state', mutate: (e) => (e.instances[1].state = 'DEAD'), issues: [['instances[1].state', 'expected one of ACTIVE']] },
    { topic: 'routing-decisions', name: 'duplicate instance', mutate: (e) => (e.instances[1].instanceId = 'checkout-1'), issues: [['instances[1].instanceId', 'duplicate']] },
    { topic: 'routing-decisions', name: 'expires before issued', mutate: (e) => (e.expiresAtMs = e.issuedAtMs - 1), issues: [['expiresAtMs', 'before issuedAtMs']] },
    { topic: 'routing-decisions', name: 'evidence offset not a number', mutate: (e) => (e.evidence.sources[0].offset = '1'), issues: [['evidence.sources[0].offset', 'expected a number (long)']] },
    { topic: 'config-updates', name: 'bad address', mutate: (e) => (e.instances[0].address = '10.0.0.11'), issues: [['instances[0].address', 'host:port']] },
    { topic: 'config-updates', name: 'port out of range', mutate: (e) => (e.instances[0].address = 'h:70000'), issues: [['instances[0].address', 'host:port']] },
    { topic: 'config-updates', name: 'duplicate instance id', mutate: (e) => (e.instances[1].id = 'checkout-1'), issues: [['instances[1].id', 'duplicate']] },
    { topic: 'config-updates', name: 'policy enum', mutate: (e) => (e.policy.type = 'FASTEST'), issues: [['policy.type', 'expected one of ROUND_ROBIN']] },
    { topic: 'config-updates', name: 'consistent hash without hashOn', mutate: (e) => (e.policy.type = 'CONSISTENT_HASH'), issues: [['policy.hashOn', 'required when type is CONSISTENT_HASH']] },
    { topic: 'config-updates', name: 'header hash without name', mutate: (e) => (e.policy = { type: 'CONSISTENT_HASH', hashOn: { source: 'HEADER', name: null }, boundedLoadFactor: null }), issues: [['policy.hashOn.name', 'required when source is HEADER']] },
    { topic: 'config-updates', name: 'percent above 100', mutate: (e) => (e.panicThresholdPercent = 101), issues: [['panicThresholdPercent', '[0, 100]']] },
    { topic: 'config-updates', name: 'route without slash', mutate: (e) => (e.routes[0].pathPrefix = 'checkout'), issues: [['routes[0].pathPrefix', "start with '/'"]] },
    { topic: 'config-updates', name: 'nullable record of wrong type', mutate: (e) => (e.healthCheck = 'yes'), issues: [['healthCheck', 'expected HealthCheckConfig (an object)']] },
    { topic: 'config-updates', name: 'zero request timeout', mutate: (e) => (e.timeouts.requestMs = 0), issues: [['timeouts.requestMs', '> 0']] },
    { topic: 'config-updates', name: 'previousVersion not lower', mutate: (e) => (e.previousVersion = e.version), issues: [['previousVersion', 'lower than version']] },
    { topic: 'config-status', name: 'map of longs with a string', mutate: (e) => (e.appliedVersions.checkout = 'seven'), issues: [['appliedVersions.checkout', 'expected a number (long)']] },
    { topic: 'alerts', name: 'resolved without end', mutate: (e) => (e.state = 'RESOLVED'), issues: [['endsAtMs', 'required when state is RESOLVED']] },
    { topic: 'alerts', name: 'unknown alert name', mutate: (e) => (e.name = 'DISK_FULL'), issues: [['name', 'expected one of INSTANCE_EJECTED']] },
    { topic: 'audit-logs', name: 'before not JSON', mutate: (e) => (e.before = '{oops'), issues: [['before', 'JSON text']] },
    { topic: 'dead-letters', name: 'value not bytes', mutate: (e) => (e.value = 'abc'), issues: [['value', 'expected bytes']] },
    { topic: 'dead-letters', name: 'several issues at once', mutate: (e) => { delete e.errorCode; e.partition = -1; }, issues: [['partition', '>= 0'], ['errorCode', 'is required']] },
  ];

  it.each(cases)('$topic: rejects $name', ({ topic, mutate, issues }) => {
    const event = exampleEvents()[topic] as unknown as Record<string, unknown>;
    mutate(event);
    const found = validateEvent(topic, event);
    expect(found.map((i) => i.path)).toEqual(issues.map(([path]) => path));
    issues.forEach(([, message], i) => expect(found[i]?.message).toContain(message));
  });

  it.each([null, 'text', 42, [], Buffer.from('x')])('rejects a non-object event (%s)', (value) => {
    expect(validateEvent('alerts', value)).toEqual([{ path: '', message: expect.stringContaining('expected Alert (an object)') }]);
  });
});
