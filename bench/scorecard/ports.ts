/**
 * Ports for the scorecard's listeners, from 29000–29999: below Linux's ephemeral range
 * (32768–60999), so no outgoing connection of the product, the broker or a test run beside it
 * can take a port between its check and its use (seen: a controller's console port taken,
 * EADDRINUSE, when the range was 42000–42999), and away from the fixed ports of the suite. A
 * port is bound and released to check that it is free against other listeners.
 */
import { createServer } from 'node:net';

const FIRST = 29_000;
const LAST = 29_999;
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
