/**
 * A TCP connect to the target before any load: a wrong port or a proxy that is not running
 * gives one clear error at once instead of a report full of connection errors.
 */
import { connect } from 'node:net';
import { SlbError } from '../../services/core/src/errors/index.js';

export async function assertReachable(url: string, timeoutMs: number): Promise<void> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port);
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (reason: string, cause?: unknown) => {
      socket.destroy();
      reject(new SlbError('SLB_LOADTEST_TARGET_UNREACHABLE', `cannot reach ${u.origin}: ${reason}`, { cause }));
    };
    socket.setTimeout(timeoutMs, () => fail(`no TCP connection within ${timeoutMs} ms`));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message, err));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });
}
