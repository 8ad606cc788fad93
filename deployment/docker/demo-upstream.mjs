// A demo upstream instance for docker-compose: answers every request with who it is, after an
// optional added latency and with an optional error rate, both changeable while it runs so a
// failure can be injected live:
//   curl -X POST 'http://localhost:<port>/_demo/knobs?latencyMs=800&errorRate=0.5'
// Environment: PORT (default 8080; 0 picks a free one), DEMO_INSTANCE (name in answers),
// DEMO_LATENCY_MS, DEMO_ERROR_RATE (0..1).
import http from 'node:http';
import { setTimeout } from 'node:timers';

const knobs = {
  latencyMs: Number(process.env.DEMO_LATENCY_MS ?? 0),
  errorRate: Number(process.env.DEMO_ERROR_RATE ?? 0),
};
const instance = process.env.DEMO_INSTANCE ?? 'demo';
const port = Number(process.env.PORT ?? 8080);

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'x-demo-instance': instance });
  res.end(JSON.stringify(body));
}

function setKnobs(params) {
  const next = { ...knobs };
  for (const name of ['latencyMs', 'errorRate']) {
    if (!params.has(name)) continue;
    const value = Number(params.get(name));
    if (!Number.isFinite(value) || value < 0 || (name === 'errorRate' && value > 1)) {
      return { error: `${name} must be a number${name === 'errorRate' ? ' in [0, 1]' : ' >= 0'}` };
    }
    next[name] = value;
  }
  Object.assign(knobs, next);
  return { knobs };
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://demo');
  if (url.pathname === '/healthz') return send(res, 200, { instance, status: 'ok' });
  if (url.pathname === '/_demo/knobs') {
    if (req.method !== 'POST') return send(res, 200, { instance, knobs });
    const result = setKnobs(url.searchParams);
    return send(res, result.error ? 400 : 200, { instance, ...result });
  }
  const answer = () => {
    if (Math.random() < knobs.errorRate) return send(res, 503, { instance, error: 'injected failure' });
    send(res, 200, { instance, method: req.method, path: url.pathname });
  };
  req.resume();
  if (knobs.latencyMs > 0) setTimeout(answer, knobs.latencyMs);
  else answer();
});

server.listen(port, () => {
  console.log(JSON.stringify({ msg: 'demo upstream listening', instance, port: server.address().port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
