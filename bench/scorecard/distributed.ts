/**
 * The product in distributed mode: every role its own process on a real Kafka broker — two
 * proxies, one health-scorer, one controller (which serves the console and /api) — under a
 * private topic prefix that is deleted after the run. The service config is pushed with
 * slbctl, as an operator would, and the run starts once both proxies serve it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { roleMain } from './product.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { spawnPinned, stopProcess, waitForHttp, tail, type Started } from '../proxy/processes.js';
import { createKafkaNamespace, type KafkaTarget } from '../proxy/kafka-namespace.js';
import { ADMIN_TOKEN, drainThrough, serviceConfig, type Balancer, type BalancerStart } from './balancers.js';
import type { ControlRole } from './scenarios.js';

const execFileP = promisify(execFile);

/**
 * The local address each proxy's connections to instances leave from
 * (SLB_UPSTREAM_SOURCE_ADDRESS): Linux answers on all of 127.0.0.0/8, so an instance can tell
 * the proxies apart and refuse one of them (scenario one-proxy-path).
 */
export const PROXY_SOURCE_ADDRESSES = ['127.0.0.2', '127.0.0.3'] as const;
const dist = roleMain;

export async function startDistributed(s: BalancerStart, kafka: KafkaTarget): Promise<Balancer> {
  const [listenA, adminA, consolePort, listenB, adminB, scorerPort] = s.ports as [number, number, number, number, number, number];
  const ns = await createKafkaNamespace(dist('proxy'), kafka);
  const started: Started[] = [];
  const base = { ...process.env, ...ns.env, LOG_LEVEL: 'warn' };
  const stopAll = async () => {
    for (const p of started.reverse()) await stopProcess(p.child, 5_000);
    await ns.close().catch(() => undefined);
  };
  try {
    const roleEnv: Record<ControlRole, NodeJS.ProcessEnv> = {
      controller: { ...base, SLB_CONTROLLER_MEMBER: 'scorecard-controller', SLB_CONSOLE_PORT: String(consolePort), SLB_ADMIN_TOKEN: ADMIN_TOKEN },
      'health-scorer': { ...base, SLB_SCORER_MEMBER: 'scorecard-scorer', SLB_METRICS_PORT: String(scorerPort) },
    };
    const roles = new Map<ControlRole, Started>();
    const startRole = (role: ControlRole) => {
      const p = spawnPinned(role, s.cpus, process.execPath, [dist(role)], roleEnv[role]);
      roles.set(role, p);
      started.push(p);
      return p;
    };
    const controller = startRole('controller');
    startRole('health-scorer');
    const proxies = [
      { id: 'proxy-a', listen: listenA, admin: adminA, source: PROXY_SOURCE_ADDRESSES[0] },
      { id: 'proxy-b', listen: listenB, admin: adminB, source: PROXY_SOURCE_ADDRESSES[1] },
    ];
    const proxyProcs: Started[] = [];
    for (const p of proxies) {
      proxyProcs.push(
        spawnPinned(p.id, s.cpus, process.execPath, [dist('proxy')], {
          ...base,
          SLB_PROXY_ID: p.id,
          SLB_PROXY_HOST: '127.0.0.1',
          SLB_PROXY_PORT: String(p.listen),
          SLB_ADMIN_PORT: String(p.admin),
          SLB_ACCESS_LOG: 'false',
          SLB_TELEMETRY_WINDOW_MS: '1000',
          SLB_UPSTREAM_SOURCE_ADDRESS: p.source,
        }),
      );
    }
    started.push(...proxyProcs);
    const consoleUrl = `http://127.0.0.1:${consolePort}`;
    await waitForHttp(controller, `${consoleUrl}/healthz`, 60_000);
    const file = join(s.dir, 'service.json');
    writeFileSync(file, JSON.stringify(serviceConfig(s.instances, s.serviceOverrides), null, 2));
    try {
      await execFileP(process.execPath, [dist('slbctl'), '--timeout', '60s', 'config', 'push', file], { env: base, timeout: 90_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`slbctl config push failed: ${tail(`${e.stdout ?? ''}${e.stderr ?? ''}`, 800) || e.message}`);
    }
    for (const [i, p] of proxies.entries()) await waitForHttp(proxyProcs[i]!, `http://127.0.0.1:${p.listen}/`, 30_000);
    return {
      kind: 'slb-distributed',
      urls: proxies.map((p) => `http://127.0.0.1:${p.listen}/`),
      adminUrls: proxies.map((p) => `http://127.0.0.1:${p.admin}`),
      consoleUrl,
      removeByHand: drainThrough(consoleUrl),
      roles: {
        async kill(role) {
          const p = roles.get(role)!;
          p.child.kill('SIGKILL');
          await stopProcess(p.child, 1_000);
        },
        async restart(role) {
          const p = startRole(role);
          if (role === 'controller') await waitForHttp(p, `${consoleUrl}/healthz`, 60_000);
        },
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
