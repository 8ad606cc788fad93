/**
 * The console as a fastify plugin: the page (GET /, plus its script and style under /console/),
 * the live stream (GET /console/events, Server-Sent Events: a snapshot, then deltas) and the
 * same state as JSON (GET /console/api/state). The host server decides where it listens; the
 * console only reads the bus and never mutates anything, so it needs no token.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { SlbError } from '@slb/core';
import { ConsoleModel } from './console-model.js';
import { startConsoleFeed } from './console-feed.js';
import { resolveConsoleOptions, type ConsoleOptions } from './console-options.js';
import { createSseHub } from './sse-hub.js';
import { CONSOLE_HTML } from './page/page-html.js';
import { CONSOLE_SCRIPT } from './page/page-script.js';
import { CONSOLE_STYLE } from './page/page-style.js';

/** Everything the page needs comes from this server; event text never becomes markup. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function asset(reply: FastifyReply, type: string, body: string): FastifyReply {
  return reply
    .type(type)
    .header('cache-control', 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .send(body);
}

async function consolePluginImpl(app: FastifyInstance, raw: ConsoleOptions): Promise<void> {
  const options = resolveConsoleOptions(raw);
  const model = new ConsoleModel({
    historyWindows: options.historyWindows,
    recentDecisions: options.recentDecisions,
    recentAlerts: options.recentAlerts,
    recentAudit: options.recentAudit,
  });
  const hub = createSseHub(options);
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    flushTimer = undefined;
    const delta = model.takeDelta(options.now());
    if (delta !== undefined) hub.broadcast('delta', delta);
  };
  const feed = await startConsoleFeed({
    bus: options.bus,
    groupId: options.groupId,
    model,
    logger: app.log,
    onChange: () => {
      // Coalesce: one window's burst of scores and metrics becomes one delta.
      if (flushTimer === undefined) flushTimer = setTimeout(flush, options.flushDelayMs);
    },
  });

  app.get('/', async (_req, reply) => asset(reply, 'text/html; charset=utf-8', CONSOLE_HTML));
  app.get('/console/app.js', async (_req, reply) => asset(reply, 'text/javascript; charset=utf-8', CONSOLE_SCRIPT));
  app.get('/console/app.css', async (_req, reply) => asset(reply, 'text/css; charset=utf-8', CONSOLE_STYLE));
  app.get('/console/api/state', async (_req, reply) => reply.header('cache-control', 'no-store').send(model.snapshot(options.now())));
  app.get('/console/events', async (_req, reply) => {
    if (hub.size >= options.maxClients) {
      const busy = new SlbError('SLB_CONSOLE_BUSY', `the console already serves ${options.maxClients} live streams`);
      return reply.code(busy.httpStatus ?? 503).header('retry-after', '5').send({ code: busy.code, message: busy.message });
    }
    // The stream outlives this handler: fastify hands the raw response over to the hub.
    reply.hijack();
    hub.add(reply.raw, { event: 'snapshot', data: model.snapshot(options.now()) });
    return reply;
  });

  // Streams never end by themselves; end them before the server waits for open requests.
  app.addHook('preClose', async () => {
    hub.close();
  });
  app.addHook('onClose', async () => {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    hub.close();
    await feed.stop();
  });
}

/**
 * Register on the server that should serve the console (the controller's, or the standalone
 * process's): `app.register(consolePlugin, { bus, groupId: 'slb-console-' + memberId })`.
 * Routes are absolute (GET /, /console/*): the plugin is not encapsulated.
 */
export const consolePlugin = fp(consolePluginImpl, { name: 'slb-console', fastify: '5.x' });
