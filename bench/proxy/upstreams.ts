/**
 * Starts upstream instances (upstream-server.ts) as child processes pinned to the load CPUs.
 * `grouped` puts every instance in one process (the throughput run); otherwise each instance
 * is its own process, so the failover run can SIGKILL one like a crashed server.
 */
import { fileURLToPath } from 'node:url';
import { httpGet, spawnPinned, stopProcess, exited, waitForPort, type Started } from './processes.js';

const SERVER = fileURLToPath(new URL('./upstream-server.ts', import.meta.url));

export interface UpstreamSpec {
  readonly id: string;
  readonly port: number;
}

export interface Upstreams {
  readonly specs: readonly UpstreamSpec[];
  readonly pids: () => number[];
  /** TCP connections accepted so far, summed over every instance (each query adds one). */
  connectionsAccepted(): Promise<number>;
  /** SIGKILL the process serving `id` (failover mode: that instance only). */
  kill(id: string): Promise<void>;
  /** Start `id` again on its port after a kill. */
  restart(id: string): Promise<void>;
  close(): Promise<void>;
}

function startGroup(cpus: string, specs: readonly UpstreamSpec[]): Started {
  return spawnPinned(`upstream ${specs.map((s) => s.id).join(',')}`, cpus, process.execPath, ['--import', 'tsx', SERVER, JSON.stringify(specs)]);
}

export async function startUpstreams(cpus: string, specs: readonly UpstreamSpec[], grouped: boolean): Promise<Upstreams> {
  const groups = new Map<string, Started>();
  const launch = async (members: readonly UpstreamSpec[]) => {
    const g = startGroup(cpus, members);
    for (const m of members) groups.set(m.id, g);
    for (const m of members) await waitForPort(m.port, 15_000);
  };
  if (grouped) await launch(specs);
  else for (const s of specs) await launch([s]);
  return {
    specs,
    pids: () => [...new Set(groups.values())].map((g) => g.child.pid ?? -1),
    async connectionsAccepted() {
      let sum = 0;
      for (const s of specs) {
        const r = await httpGet(`http://127.0.0.1:${s.port}/__bench/connections`);
        sum += (JSON.parse(r.body) as { connections: number }).connections;
      }
      return sum;
    },
    async kill(id) {
      const g = groups.get(id);
      if (g === undefined) throw new Error(`no upstream ${id}`);
      g.child.kill('SIGKILL');
      await exited(g.child);
    },
    async restart(id) {
      const spec = specs.find((s) => s.id === id);
      if (spec === undefined) throw new Error(`no upstream ${id}`);
      await launch([spec]);
    },
    async close() {
      await Promise.all([...new Set(groups.values())].map((g) => stopProcess(g.child)));
    },
  };
}
