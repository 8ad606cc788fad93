/**
 * The orchestrator's handle on the upstream instances: one process per instance
 * (upstream-instance.ts), faults switched over HTTP, kills as real SIGKILLs, restarts on the
 * same port, and the per-100-ms request counts gathered from every process that ever served.
 */
import { fileURLToPath } from 'node:url';
import { spawnPinned, stopProcess, httpGet, waitForPort, type Started } from '../proxy/processes.js';
import type { FaultMode } from './upstream-instance.js';

const INSTANCE = fileURLToPath(new URL('./upstream-instance.ts', import.meta.url));

export interface InstanceSpec {
  readonly id: string;
  readonly port: number;
}

/** Epoch-ms bucket start -> data requests that instance received in that 100 ms. */
export type Buckets = Map<number, number>;

export interface Fleet {
  readonly specs: readonly InstanceSpec[];
  /** `from`: the source address a `refuse` fault resets. */
  setFault(id: string, mode: Exclude<FaultMode, 'down'> | 'down' | 'up', value?: number, from?: string): Promise<void>;
  kill(id: string): Promise<void>;
  restart(id: string): Promise<void>;
  /** Counts of every process that served as `id` (a killed one's are read just before the kill). */
  counts(): Promise<Map<string, Buckets>>;
  close(): Promise<void>;
}

async function readCounts(port: number): Promise<Array<[number, number]>> {
  const r = await httpGet(`http://127.0.0.1:${port}/__sc/counts`, 3_000);
  return (JSON.parse(r.body) as { buckets: Array<[number, number]> }).buckets;
}

export async function startFleet(specs: readonly InstanceSpec[], cpus: string): Promise<Fleet> {
  const procs = new Map<string, Started>();
  const saved = new Map<string, Buckets>(specs.map((s) => [s.id, new Map()]));
  const portOf = (id: string) => specs.find((s) => s.id === id)!.port;
  const launch = async (s: InstanceSpec) => {
    const p = spawnPinned(`instance ${s.id}`, cpus, process.execPath, ['--import', 'tsx', INSTANCE, s.id, String(s.port)]);
    procs.set(s.id, p);
    await waitForPort(s.port, 15_000);
  };
  const save = async (id: string) => {
    try {
      for (const [b, n] of await readCounts(portOf(id))) saved.get(id)!.set(b, (saved.get(id)!.get(b) ?? 0) + n);
    } catch {
      // A hung or down instance may not answer; its counts are then lost, and the report says so.
    }
  };
  await Promise.all(specs.map(launch));
  return {
    specs,
    async setFault(id, mode, value = 0, from) {
      if (mode === 'up') {
        procs.get(id)!.child.kill('SIGUSR2');
        await waitForPort(portOf(id), 5_000);
        return;
      }
      const query = `mode=${mode}&value=${value}${from === undefined ? '' : `&from=${encodeURIComponent(from)}`}`;
      await httpGet(`http://127.0.0.1:${portOf(id)}/__sc/fault?${query}`, 2_000, {}).catch(() => undefined);
    },
    async kill(id) {
      await save(id);
      const p = procs.get(id)!;
      p.child.kill('SIGKILL');
      await stopProcess(p.child, 1_000);
    },
    async restart(id) {
      await launch(specs.find((s) => s.id === id)!);
    },
    async counts() {
      const out = new Map<string, Buckets>();
      for (const s of specs) {
        const p = procs.get(s.id)!;
        if (p.child.exitCode === null && p.child.signalCode === null) await save(s.id);
        out.set(s.id, saved.get(s.id)!);
      }
      return out;
    },
    async close() {
      await Promise.all([...procs.values()].map((p) => stopProcess(p.child, 1_000)));
    },
  };
}
