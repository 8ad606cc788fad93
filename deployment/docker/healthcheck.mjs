// Container healthcheck: `node healthcheck.mjs <url> [timeout-ms]` exits 0 when the URL answers
// 2xx in time and 1 otherwise. node:20-slim ships neither curl nor wget, hence this file.
import http from 'node:http';

const [url, timeoutArg] = process.argv.slice(2);
if (!url) {
  console.error('usage: node healthcheck.mjs <url> [timeout-ms]');
  process.exit(2);
}
const timeoutMs = Number(timeoutArg ?? 3000);

const req = http.get(url, { timeout: timeoutMs }, (res) => {
  res.resume();
  const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
  if (!ok) console.error(`unhealthy: ${url} answered ${res.statusCode}`);
  process.exit(ok ? 0 : 1);
});
req.on('timeout', () => {
  console.error(`unhealthy: ${url} did not answer within ${timeoutMs} ms`);
  req.destroy();
  process.exit(1);
});
req.on('error', (err) => {
  console.error(`unhealthy: ${url}: ${err.message}`);
  process.exit(1);
});
