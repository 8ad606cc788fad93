/**
 * The floor of the Node stack, as a benchmark reference (peer `node-bare`): node:http in,
 * undici `Pool.dispatch` out, strict round robin, hop-by-hop fields dropped, and nothing else:
 * no routing, limits, X-Forwarded-*, request ids, balancing policies, breakers, retries,
 * metrics or telemetry. Not a product: it shows how much of this proxy's cost is Node's own.
 *
 *   BARE_PORT=8080 BARE_UPSTREAMS=127.0.0.1:8001,127.0.0.1:8002 node bench/proxy/bare-proxy.mjs
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

// undici is a dependency of the proxy package, not of the repository root.
const { Pool } = createRequire(new URL('../../services/proxy/package.json', import.meta.url))('undici');

const pools = (process.env.BARE_UPSTREAMS ?? '').split(',').map((a) => new Pool(`http://${a}`, { keepAliveTimeout: 60_000 }));
if (pools.length === 0 || !process.env.BARE_PORT) throw new Error('BARE_PORT and BARE_UPSTREAMS are required');
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'upgrade', 'host']);
let next = 0;

createServer((req, res) => {
  const pool = pools[next++ % pools.length];
  const headers = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
  pool.dispatch(
    { path: req.url, method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req },
    {
      onConnect() {},
      onHeaders(status, rawHeaders) {
        const out = [];
        for (let i = 0; i < rawHeaders.length; i += 2) {
          const name = rawHeaders[i].toString('latin1');
          if (!HOP_BY_HOP.has(name.toLowerCase())) out.push(name, rawHeaders[i + 1].toString('latin1'));
        }
        res.writeHead(status, out);
        return true;
      },
      onData: (chunk) => res.write(chunk),
      onComplete: () => res.end(),
      onError() {
        if (res.headersSent) res.destroy();
        else res.writeHead(502).end();
      },
    },
  );
}).listen(Number(process.env.BARE_PORT), '127.0.0.1');

for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.exit(0));
