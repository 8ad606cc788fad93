/** A busy loop pinned to the proxy's CPU: the starved-host scenario. Our own process, ended by pid. */
import { spawnPinned, stopProcess, type Started } from '../proxy/processes.js';

export interface CpuHog {
  stop(): Promise<void>;
}

export function startCpuHog(cpus: string): CpuHog {
  const hog: Started = spawnPinned('cpu hog', cpus, process.execPath, ['-e', 'for (;;) {}']);
  return { stop: () => stopProcess(hog.child, 1_000) };
}
