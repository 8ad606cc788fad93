/**
 * docker-compose.yml is checked offline by the real `docker-compose config` (no Docker engine
 * needed), then the resolved model it prints is checked against what the product promises.
 */
import { Buffer } from 'node:buffer';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeRun, repoRoot, requireTool, run } from './tools.js';

interface Port {
  readonly hostIp: string | undefined;
  readonly published: number | undefined;
  readonly target: number;
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string | number | null>;
  ports?: (string | { published?: string | number; target: number | string; host_ip?: string })[];
  expose?: (string | number)[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition: string }> | string[];
  profiles?: string[];
  restart?: string;
  volumes?: (string | { source: string; target: string })[];
}

const ROLES = ['proxy', 'health-scorer', 'controller', 'alert-router'] as const;
/** Jobs that run to completion; the roles wait for their exit code, not for a healthcheck. */
const ONE_SHOTS = ['init-topics'];

// A clean environment: the file's ${VAR:-default}s resolve to their defaults, as on a fresh machine.
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };

function composeConfig(...extra: string[]) {
  return run('docker-compose', ['-f', path.join(repoRoot, 'docker-compose.yml'), ...extra, 'config'], { env });
}

function parsePorts(service: Service): Port[] {
  return (service.ports ?? []).map((entry) => {
    if (typeof entry === 'object') {
      return {
        hostIp: entry.host_ip,
        published: entry.published === undefined ? undefined : Number(entry.published),
        target: Number(entry.target),
      };
    }
    // "[host_ip:]published:target[/proto]" as docker-compose v1 prints short-form ports.
    const parts = entry.replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts.pop());
    const published = parts.length > 0 ? Number(parts.pop()) : undefined;
    return { hostIp: parts.pop(), published, target };
  });
}

function envOf(service: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]));
}

function commandOf(service: Service): string {
  return Array.isArray(service.command) ? service.command.join(' ') : (service.command ?? '');
}

function dependsOn(service: Service): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep.condition]));
}

let services: Record<string, Service>;

beforeAll(() => {
  requireTool('docker-compose');
  const result = composeConfig();
  expect(result.code, describeRun(result)).toBe(0);
  services = (parse(result.stdout) as { services: Record<string, Service> }).services;
});

describe('docker-compose.yml', () => {
  it('passes `docker-compose config -q` without warnings', () => {
    const result = composeConfig('--profile', 'connect');
    expect(result.code, describeRun(result)).toBe(0);
    const quiet = run('docker-compose', ['-f', path.join(repoRoot, 'docker-compose.yml'), 'config', '-q'], { env });
    expect(quiet.code, describeRun(quiet)).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).not.toMatch(/warn/i);
  });

  it('gives every long-running container a healthcheck, and only one-shot jobs none', () => {
    for (const [name, service] of Object.entries(services)) {
      const test = service.healthcheck?.test;
      const disabled = service.healthcheck?.disable === true || (Array.isArray(test) && test[0] === 'NONE');
      if (ONE_SHOTS.includes(name)) {
        expect(disabled, `${name} is a one-shot job`).toBe(true);
        expect(service.restart, `${name} must not be restarted after it completes`).toBe('no');
        continue;
      }
      expect(disabled, `${name} has its healthcheck disabled`).toBe(false);
      expect(Array.isArray(test) && ['CMD', 'CMD-SHELL'].includes(test[0] ?? ''), `${name} has no healthcheck test`).toBe(true);
    }
  });

  it('makes every dependant of a one-shot wait for its successful exit', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependsOn(service))) {
        expect(Object.keys(services), `${name} depends on unknown ${dep}`).toContain(dep);
        const expected = ONE_SHOTS.includes(dep) ? 'service_completed_successfully' : 'service_healthy';
        expect(condition, `${name} -> ${dep}`).toBe(expected);
      }
    }
  });

  it('runs Kafka in KRaft mode with 9092 for the host and 29092 for containers', () => {
    const kafka = services.kafka!;
    const kenv = envOf(kafka);
    expect(parsePorts(kafka)).toContainEqual(expect.objectContaining({ published: 9092, target: 9092 }));
    expect((kafka.expose ?? []).map(String)).toContain('29092');
    expect(kenv.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kenv.KAFKA_CONTROLLER_QUORUM_VOTERS).toMatch(/^1@kafka:\d+$/);
    // Kafka's storage tool takes a base64url-encoded 16-byte UUID; anything else stops the broker.
    const clusterId = kenv.CLUSTER_ID ?? '';
    expect(Buffer.from(clusterId, 'base64url')).toHaveLength(16);
    expect(Buffer.from(clusterId, 'base64url').toString('base64url')).toBe(clusterId);
    expect(kenv.KAFKA_LISTENERS).toContain(':29092');
    expect(kenv.KAFKA_LISTENERS).toContain(':9092');
    expect(kenv.KAFKA_ADVERTISED_LISTENERS).toContain('//kafka:29092');
    expect(kenv.KAFKA_ADVERTISED_LISTENERS).toContain('//localhost:9092');
    // No ZooKeeper anywhere.
    expect(Object.keys(kenv).filter((k) => k.includes('ZOOKEEPER'))).toEqual([]);
    expect(Object.keys(services).filter((k) => k.includes('zookeeper'))).toEqual([]);
  });

  it("runs Confluent's schema registry on 8081 against the internal listener", () => {
    const registry = services['schema-registry']!;
    expect(registry.image).toMatch(/^confluentinc\/cp-schema-registry:/);
    expect(parsePorts(registry)).toContainEqual(expect.objectContaining({ published: 8081, target: 8081 }));
    expect(envOf(registry).SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS).toBe('PLAINTEXT://kafka:29092');
    expect(envOf(registry).SCHEMA_REGISTRY_LISTENERS).toMatch(/:8081$/);
  });

  it('serves Kafka UI on host port 8083, wired to Kafka and the schema registry', () => {
    const ui = services['kafka-ui']!;
    const uenv = envOf(ui);
    expect(parsePorts(ui)).toContainEqual(expect.objectContaining({ published: 8083, target: 8080 }));
    expect(uenv.KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS).toBe('kafka:29092');
    expect(uenv.KAFKA_CLUSTERS_0_SCHEMAREGISTRY).toBe('http://schema-registry:8081');
    expect(dependsOn(ui)).toMatchObject({ kafka: 'service_healthy', 'schema-registry': 'service_healthy' });
  });

  it('keeps Kafka Connect on 8084 behind the `connect` profile', () => {
    const connect = services['kafka-connect']!;
    expect(connect.profiles).toEqual(['connect']);
    expect(parsePorts(connect)).toContainEqual(expect.objectContaining({ published: 8084, target: 8083 }));
    expect(envOf(connect).CONNECT_BOOTSTRAP_SERVERS).toBe('kafka:29092');
    expect(envOf(connect).CONNECT_VALUE_CONVERTER_SCHEMA_REGISTRY_URL).toBe('http://schema-registry:8081');
    const profiled = Object.entries(services).filter(([, s]) => (s.profiles ?? []).length > 0).map(([n]) => n);
    expect(profiled).toEqual(['kafka-connect']);
  });

  it('builds every role from the one Dockerfile and starts its dist/main.js', () => {
    const dockerfile = path.join(repoRoot, 'deployment/docker/Dockerfile');
    expect(existsSync(dockerfile)).toBe(true);
    for (const role of ROLES) {
      const service = services[role]!;
      expect(service.build?.dockerfile, role).toBe('deployment/docker/Dockerfile');
      expect(path.resolve(service.build!.context), role).toBe(path.resolve(repoRoot));
      expect(commandOf(service), role).toBe(`node services/${role}/dist/main.js`);
      expect(envOf(service), role).toMatchObject({
        KAFKA_BROKERS: 'kafka:29092',
        SCHEMA_REGISTRY_URL: 'http://schema-registry:8081',
        LOG_LEVEL: 'info',
      });
      expect(dependsOn(service), role).toMatchObject({ 'init-topics': 'service_completed_successfully' });
    }
    expect(commandOf(services['init-topics']!)).toBe('node services/core/dist/topics/cli.js init');
    expect(services['init-topics']!.build?.dockerfile).toBe('deployment/docker/Dockerfile');
  });

  it('gives each role its documented environment and ports', () => {
    const proxy = services.proxy!;
    expect(envOf(proxy)).toMatchObject({
      SLB_PROXY_ID: 'proxy-1',
      SLB_PROXY_PORT: '8080',
      SLB_ADMIN_HOST: '0.0.0.0',
      SLB_ADMIN_PORT: '9901',
      SLB_SNAPSHOT_DIR: '/var/lib/slb/snapshots',
    });
    expect(envOf(proxy).SLB_ADMIN_TOKEN).toBeTruthy();
    const proxyPorts = parsePorts(proxy);
    expect(proxyPorts).toContainEqual(expect.objectContaining({ published: 8080, target: 8080 }));
    // The admin API is published on the host's loopback only.
    expect(proxyPorts).toContainEqual({ hostIp: '127.0.0.1', published: 9901, target: 9901 });
    expect((proxy.volumes ?? []).map(String).some((v) => v.includes(':/var/lib/slb/snapshots'))).toBe(true);

    expect(envOf(services.controller!).SLB_CONSOLE_PORT).toBe('8090');
    expect(parsePorts(services.controller!)).toContainEqual(expect.objectContaining({ published: 8090, target: 8090 }));
    expect(envOf(services['health-scorer']!).SLB_METRICS_PORT).toBe('9102');
    expect(envOf(services['alert-router']!)).toMatchObject({ SLB_METRICS_PORT: '9103', ALERTMANAGER_URL: 'http://alertmanager:9093' });
  });

  it('runs Prometheus on 9090 and Alertmanager on 9093 with the files in deployment/', () => {
    const prometheus = services.prometheus!;
    expect(parsePorts(prometheus)).toContainEqual(expect.objectContaining({ published: 9090, target: 9090 }));
    expect(commandOf(prometheus)).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect((prometheus.volumes ?? []).map(String)).toContainEqual(`${path.join(repoRoot, 'deployment/prometheus')}:/etc/prometheus:ro`);

    const alertmanager = services.alertmanager!;
    expect(parsePorts(alertmanager)).toContainEqual(expect.objectContaining({ published: 9093, target: 9093 }));
    expect(commandOf(alertmanager)).toContain('--config.file=/etc/alertmanager/alertmanager.yml');
    expect((alertmanager.volumes ?? []).map(String)).toContainEqual(`${path.join(repoRoot, 'deployment/alertmanager')}:/etc/alertmanager:ro`);
  });

  it('brings demo upstreams that the proxy can balance across', () => {
    const demos = Object.entries(services).filter(([name]) => /^demo-\d+$/.test(name));
    expect(demos.length).toBeGreaterThanOrEqual(3);
    for (const [name, demo] of demos) {
      expect(commandOf(demo), name).toBe('node services/standalone/dist/demo/demo-upstream-main.js');
      expect(envOf(demo).DEMO_INSTANCE, name).toBe(name);
    }
  });

  it('publishes no host port twice', () => {
    const published = Object.values(services).flatMap((s) => parsePorts(s).map((p) => p.published).filter((p) => p !== undefined));
    expect(published.length).toBeGreaterThan(0);
    expect(new Set(published).size).toBe(published.length);
  });
});
