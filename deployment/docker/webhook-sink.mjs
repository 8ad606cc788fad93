// The on-call stand-in for docker-compose: Alertmanager's webhook receiver posts here. Every
// notification is logged as one JSON line (so `docker-compose logs alert-sink` shows the page)
// and the last 100 are served at GET /notifications.
// Environment: PORT (default 8080; 0 picks a free one).
import { Buffer } from 'node:buffer';
import http from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const keep = 100;
const received = [];

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://sink');
  if (req.method === 'GET' && url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('{"status":"ok"}');
  }
  if (req.method === 'GET' && url.pathname === '/notifications') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(received));
  }
  if (req.method !== 'POST') {
    res.writeHead(405);
    return res.end();
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400);
      return res.end('body is not JSON');
    }
    const entry = { path: url.pathname, receivedAt: new Date().toISOString(), body };
    received.push(entry);
    if (received.length > keep) received.shift();
    console.log(JSON.stringify({ msg: 'notification', ...entry }));
    res.writeHead(200);
    res.end();
  });
});

server.listen(port, () => {
  console.log(JSON.stringify({ msg: 'webhook sink listening', port: server.address().port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
