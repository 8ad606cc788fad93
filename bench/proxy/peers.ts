/**
 * Starting and stopping each peer as our own process, pinned to the proxy CPUs, with its
 * config generated into a private temp directory.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haproxyConfig, nginxConfig, slbServices, type PeerLayout } from './peer-configs.js';
import { spawnPinned, stopProcess, tail, waitForHttp, type Started } from './processes.js';

export const PEER_KINDS = ['nginx', 'haproxy', 'haproxy-observe', 'slb', 'slb-streamed-bodies', 'slb-no-telemetry', 'slb-bus', 'slb-kafka', 'node-bare'] as const;
export type PeerKind = (typeof PEER_KINDS)[number];

export const PEER_DESCRIPTIONS: Record<PeerKind, string> = {
  nginx: 'nginx, worker_processes 1, upstream keepalive, round robin',
  haproxy: 'haproxy, nbthread 1, http-reuse always, roundrobin',
  'haproxy-observe': 'haproxy as above plus passive checks (observe layer4, error-limit 5, on-error mark-down)',
  slb: 'this proxy: node services/proxy/dist/main.js, SLB_TELEMETRY_WINDOW_MS=1000 (default)',
  'slb-streamed-bodies': 'this proxy with requestBufferBytes 0: request bodies streamed to the instance as they come, not read whole first',
  'slb-no-telemetry': 'this proxy: main.js with SLB_TELEMETRY_WINDOW_MS=0 (telemetry windows off)',
  'slb-bus': 'this proxy with an in-process bus: telemetry windows built (DDSketch) and published every 1 s',
  'slb-kafka': 'this proxy: main.js with SLB_BUS=kafka: telemetry published to the development Kafka (private topic prefix)',
  'node-bare': 'reference, not a product: node:http + undici Pool.dispatch, round robin, nothing else (bench/proxy/bare-proxy.mjs)',
};

/** The build under test unless --proxy-main names another. */
export const DEFAULT_PROXY_MAIN = fileURLToPath(new URL('../../services/proxy/dist/main.js', import.meta.url));
const WITH_BUS = fileURLToPath(new URL('./proxy-with-bus.mjs', import.meta.url));
const BARE_PROXY = fileURLToPath(new URL('./bare-proxy.mjs', import.meta.url));

export interface Peer {
  readonly kind: PeerKind;
  readonly pid: number;
  readonly url: string;
  /** This proxy's admin listener (slb kinds only). */
  readonly adminUrl: string | undefined;
  /** haproxy's stats socket (haproxy kinds only). */
  readonly statsSocket: string | undefined;
  readonly process: Started;
  stop(): Promise<void>;
}

export interface PeerStart {
  readonly kind: PeerKind;
  readonly layout: PeerLayout;
  readonly cpus: string;
  /** slb kinds only. */
  readonly adminPort: number;
  /** slb kinds only: the proxy's dist/main.js. */
  readonly proxyMain: string;
  /** slb-kafka only: SLB_BUS, SLB_TOPIC_PREFIX, KAFKA_BROKERS, SCHEMA_REGISTRY_URL. */
  readonly extraEnv?: Record<string, string>;
}

/** Thrown when a peer cannot be started; the harness reports it and carries on. */
export class PeerNotRunnable extends Error {}

export async function startPeer(s: PeerStart): Promise<Peer> {
  const { kind, layout, cpus } = s;
  mkdirSync(layout.dir, { recursive: true });
  const url = `http://127.0.0.1:${layout.listenPort}/`;
  let started: Started;
  let adminUrl: string | undefined;
  let statsSocket: string | undefined;
  switch (kind) {
    case 'nginx': {
      const file = join(layout.dir, 'nginx.conf');
      writeFileSync(file, nginxConfig(layout));
      // -e: the error log used before the config is read (the default is /var/log/nginx).
      started = spawnPinned(kind, cpus, 'nginx', ['-c', file, '-p', layout.dir, '-e', join(layout.dir, 'error.log')]);
      break;
    }
    case 'haproxy':
    case 'haproxy-observe': {
      const file = join(layout.dir, 'haproxy.cfg');
      writeFileSync(file, haproxyConfig(layout, kind === 'haproxy-observe'));
      statsSocket = join(layout.dir, 'haproxy.sock');
      started = spawnPinned(kind, cpus, 'haproxy', ['-f', file, '-db']);
      break;
    }
    case 'node-bare': {
      const env = { ...process.env, BARE_PORT: String(layout.listenPort), BARE_UPSTREAMS: layout.backends.map((b) => `127.0.0.1:${b.port}`).join(',') };
      started = spawnPinned(kind, cpus, process.execPath, [BARE_PROXY], env);
      break;
    }
    case 'slb':
    case 'slb-streamed-bodies':
    case 'slb-no-telemetry':
    case 'slb-bus':
    case 'slb-kafka': {
      if (!existsSync(s.proxyMain)) throw new PeerNotRunnable(`${s.proxyMain} missing (run npx tsc -b)`);
      const file = join(layout.dir, 'services.json');
      const services = slbServices(kind === 'slb-streamed-bodies' ? { ...layout, requestBufferBytes: 0 } : layout, Date.now());
      writeFileSync(file, JSON.stringify(services, null, 2));
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        SLB_PROXY_ID: 'bench-proxy',
        SLB_PROXY_HOST: '127.0.0.1',
        SLB_PROXY_PORT: String(layout.listenPort),
        SLB_ADMIN_PORT: String(s.adminPort),
        SLB_CONFIG_FILE: file,
        SLB_ACCESS_LOG: 'false',
        SLB_TELEMETRY_WINDOW_MS: kind === 'slb-no-telemetry' ? '0' : '1000',
        LOG_LEVEL: 'warn',
        ...s.extraEnv,
      };
      adminUrl = `http://127.0.0.1:${s.adminPort}`;
      const args = kind === 'slb-bus' ? [WITH_BUS, s.proxyMain] : [s.proxyMain];
      started = spawnPinned(kind, cpus, process.execPath, args, env);
      break;
    }
  }
  try {
    await waitForHttp(started, url, 20_000);
  } catch (err) {
    await stopProcess(started.child, 1_000);
    throw new PeerNotRunnable(`${(err as Error).message}`);
  }
  return {
    kind,
    pid: started.child.pid ?? -1,
    url,
    adminUrl,
    statsSocket,
    process: started,
    async stop() {
      await stopProcess(started.child);
    },
  };
}

/** The telling line of a failed start (a JS error, an haproxy ALERT, an nginx emerg), else the tail. */
export function notRunnableReason(err: unknown): string {
  const text = (err as Error).message;
  const telling = /^.*(?:\w*Error\b[^\n]*|\[ALERT\][^\n]*|\[emerg\][^\n]*)$/m.exec(text);
  const head = text.split(':')[0] ?? '';
  return (telling === null ? tail(text, 300) : `${head}: ${telling[0].trim()}`).replace(/\s+/g, ' ');
}
