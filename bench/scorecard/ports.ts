/**
 * Ports for the scorecard's listeners, from the range this machine sets aside for it
 * (42000–42999), so nothing collides with other engineers' processes. A port is bound and
 * released to check that it is free; the small race is acceptable for a benchmark.
 */
import { createServer } from 'node:net';

const FIRST = 42_000;
const LAST = 42_999;
let next = FIRST;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The next `n` free ports of the range, round-robin so a just-closed port is not reused at once. */
export async function takePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let tried = 0; out.length < n; tried++) {
    if (tried > LAST - FIRST) throw new Error(`no ${n} free ports in ${FIRST}-${LAST}`);
    const p = next;
    next = next >= LAST ? FIRST : next + 1;
    if (await isFree(p)) out.push(p);
  }
  return out;
}
