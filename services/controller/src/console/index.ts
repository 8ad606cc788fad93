/**
 * The web console (docs/console.md): a fastify plugin serving the page, its live event stream and
 * a JSON snapshot, fed from the bus. The host (controller or standalone process) registers it.
 */
export { consolePlugin } from './console-plugin.js';
export {
  type ConsoleOptions,
  type ResolvedConsoleOptions,
  resolveConsoleOptions,
  DEFAULT_FLUSH_DELAY_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_CLIENT_BUFFER_BYTES,
} from './console-options.js';
export { ConsoleModel, CONSOLE_TOPICS, DEFAULT_LIMITS, type ConsoleModelLimits, type ConsoleTopic } from './console-model.js';
export { startConsoleFeed, type ConsoleFeed, type ConsoleFeedOptions } from './console-feed.js';
export type * from './view-types.js';
