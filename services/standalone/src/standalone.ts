/**
 * Standalone mode: every role in one process on the in-process bus (same topics, keys and
 * semantics as Kafka), so `npm start` needs no broker. Config reaches the proxy the same way it
 * does in production: published on config-updates, validated by the proxy and the controller.
 */
import type { LevelWithSilent } from 'pino';
import { Registry } from 'prom-client';
import { checkConfigUpdate, createInProcessBus, createLogger, type ConfigUpdate, type EventBus } from '@slb/core';
import { createProxy, type Proxy } from '@slb/proxy';
import { createHealthScorer, type HealthScorer } from '@slb/health-scorer';
import { consolePlugin, createController, startConsoleServer, type ConsoleServer, type Controller } from '@slb/controller';
import { createAlertRouter, defaultRoutingTable, type AlertRouter } from '@slb/alert-router';
import type { StandaloneConfig } from './config.js';
import { createDemoUpstream, type DemoUpstream } from './demo/demo-upstream.js';
import { DEMO_SERVICES, demoServiceConfig } from './demo/demo-services.js';
import { startDemoTraffic, type DemoTraffic } from './demo/demo-traffic.js';

export interface StandaloneUrls {
  readonly proxy: string;
  readonly admin: string;
  readonly console: string;
  /** Demo instances by id, each with its /_demo/knobs endpoint. */
  readonly demoInstances: ReadonlyMap<string, string>;
}

export interface Standalone {
  readonly bus: EventBus;
  readonly proxy: Proxy;
  readonly controller: Controller;
  readonly demoUpstreams: ReadonlyMap<string, DemoUpstream>;
  start(): Promise<StandaloneUrls>;
  stop(): Promise<void>;
}

export interface StandaloneOptions extends StandaloneConfig {
  /** The user's services (from --config), already checked; undefined runs the demo. */
  readonly services: readonly ConfigUpdate[] | undefined;
  /** Scorer window; short by default so the demo reacts within seconds. */
  readonly windowMs?: number;
}

export function createStandalone(options: StandaloneOptions): Standalone {
  const log = (name: string) => createLogger(`standalone:${name}`, { level: options.logLevel as LevelWithSilent });
  const bus = createInProcessBus();
  const registry = new Registry();
  const windowMs = options.windowMs ?? 2_000;
  const proxy = createProxy({
    proxyId: 'standalone-proxy',
    host: options.host,
    port: options.port,
    adminPort: options.adminPort,
    adminToken: options.adminToken,
    telemetryWindowMs: 1_000,
    accessLog: false,
    bus,
    logger: log('proxy'),
  });
  const scorer: HealthScorer = createHealthScorer({ transport: { kind: 'bus', bus }, window: { sizeMs: windowMs, allowedLatenessMs: 500 }, logger: log('scorer') });
  const controller = createController({ bus, member: 'standalone-controller', logger: log('controller'), registry });
  const alertRouter: AlertRouter | undefined =
    options.alertmanagerUrl === undefined ? undefined : createAlertRouter({ bus, routes: defaultRoutingTable(options.alertmanagerUrl), logger: log('alert-router') });
  const demoUpstreams = new Map<string, DemoUpstream>();
  let consoleServer: ConsoleServer | undefined;
  let traffic: DemoTraffic | undefined;

  return {
    bus,
    proxy,
    controller,
    demoUpstreams,
    async start() {
      // The user's services were checked when the file was loaded; the demo's are checked here.
      let services: readonly ConfigUpdate[] = options.services ?? [];
      if (options.services === undefined) {
        const demo: ConfigUpdate[] = [];
        for (const spec of DEMO_SERVICES) {
          const addresses: string[] = [];
          for (let i = 1; i <= spec.instances; i++) {
            const upstream = createDemoUpstream(`${spec.serviceId}-${i}`);
            addresses.push(await upstream.listen(0, '127.0.0.1'));
            demoUpstreams.set(upstream.name, upstream);
          }
          const checked = checkConfigUpdate(demoServiceConfig(spec, addresses, Date.now()));
          if (!checked.ok) throw checked.error;
          demo.push(checked.value);
        }
        services = demo;
      }
      await controller.start();
      await scorer.start();
      await alertRouter?.start();
      consoleServer = await startConsoleServer({
        controller,
        registry,
        host: options.host,
        port: options.consolePort,
        adminToken: options.adminToken,
        extend: async (app) => {
          await app.register(consolePlugin, { bus, groupId: 'standalone-console' });
        },
      });
      const addresses = await proxy.listen();
      // Published like any operator's push, so the proxy and the controller validate it themselves.
      for (const service of services) await bus.publish('config-updates', service.serviceId, service);
      if (options.services === undefined && options.demoTrafficRps > 0) {
        traffic = startDemoTraffic({ target: addresses.url, paths: DEMO_SERVICES.map((s) => `${s.pathPrefix}/items`), requestsPerSecond: options.demoTrafficRps });
      }
      return {
        proxy: addresses.url,
        admin: addresses.adminUrl,
        console: consoleServer.url,
        demoInstances: new Map([...demoUpstreams].map(([id, u]) => [id, `http://${u.address}/_demo/knobs`])),
      };
    },
    async stop() {
      await traffic?.close();
      await proxy.drain(5_000);
      await proxy.close();
      await consoleServer?.close();
      await alertRouter?.close();
      await scorer.stop();
      await controller.stop();
      await bus.close();
      await Promise.all([...demoUpstreams.values()].map((u) => u.close()));
    },
  };
}
