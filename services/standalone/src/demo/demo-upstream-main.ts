/**
 * One demo upstream as its own process, for docker-compose's demo containers (the same
 * instance `npm start` runs in-process). Environment: PORT (default 8080; 0 picks a free one),
 * DEMO_INSTANCE (its name in answers), DEMO_LATENCY_MS, DEMO_ERROR_RATE (0..1).
 */
import { createDemoUpstream, knobProblems } from './demo-upstream.js';

const env = process.env;
const port = Number(env.PORT ?? 8080);
const knobs = { latencyMs: Number(env.DEMO_LATENCY_MS ?? 0), errorRate: Number(env.DEMO_ERROR_RATE ?? 0) };
const problems = [...knobProblems(knobs), ...(Number.isInteger(port) && port >= 0 && port <= 65_535 ? [] : [`PORT must be 0-65535, got "${env.PORT}"`])];
if (problems.length > 0) {
  process.stderr.write(`demo-upstream: ${problems.join('; ')}\n`);
  process.exit(1);
}
const upstream = createDemoUpstream(env.DEMO_INSTANCE ?? 'demo', knobs);
const address = await upstream.listen(port, env.HOST ?? '0.0.0.0');
process.stdout.write(`${JSON.stringify({ msg: 'demo upstream listening', instance: upstream.name, port: Number(address.split(':').at(-1)) })}\n`);
process.once('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
