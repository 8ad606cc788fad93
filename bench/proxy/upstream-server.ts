/**
 * The benchmark's upstream instances: tiny fixed responses on node:http with keep-alive, run
 * in their own process so they never share the event loop of the proxy under test.
 *
 *   node --import tsx bench/proxy/upstream-server.ts '[{"id":"u1","port":8001},...]'
 *
 * Every response names its instance in `x-upstream-id` (the failover client counts by it);
 * GET /health answers 200 for the proxies' active health checks; GET /__bench/connections
 * answers how many TCP connections the instance has accepted (proof that a peer reuses its
 * upstream connections). Prints `ready` once every instance listens.
 */
import { createServer } from 'node:http';
import { once } from 'node:events';

interface InstanceSpec {
  readonly id: string;
  readonly port: number;
}

const specs = JSON.parse(process.argv[2] ?? '[]') as InstanceSpec[];
const BODY = Buffer.from('hello from the upstream\n');

for (const spec of specs) {
  const headers = { 'content-type': 'text/plain', 'content-length': String(BODY.length), 'x-upstream-id': spec.id };
  let connections = 0;
  const server = createServer((req, res) => {
    // Drain any request body so the keep-alive connection stays usable.
    req.resume();
    if (req.url === '/__bench/connections') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: spec.id, connections }));
      return;
    }
    res.writeHead(200, headers);
    res.end(BODY);
  });
  server.on('connection', () => connections++);
  // Longer than every proxy's upstream idle timeout, so the proxy closes idle connections first
  // (a server-side close racing a reused connection would show up as proxy errors).
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  server.listen(spec.port, '127.0.0.1');
  await once(server, 'listening');
}
process.stdout.write('ready\n');
