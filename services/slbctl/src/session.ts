/**
 * A command's connection to the control plane: one kafkajs client with short connect retries,
 * checked up front (broker reachable, topics there, registry answering) so an unreachable
 * broker is one clear error within seconds instead of a long retry loop.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { pino } from 'pino';
import { createKafkaBus, createKafkaClient, createRegistryCodec, isSlbError, SlbError, type EventCodec, type KafkaBus, type TopicName } from '@slb/core';
import type { Settings } from './settings.js';

/** Connect attempts are short: an operator waits, so fail fast and say why. */
const CONNECT_TIMEOUT_MS = 2_000;

export class Session {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly #admin: Admin;
  #bus: KafkaBus | undefined;
  #adminConnected = false;

  private constructor(readonly settings: Settings) {
    const t = Math.min(settings.timeoutMs, CONNECT_TIMEOUT_MS);
    this.kafka = createKafkaClient({
      clientId: 'slbctl',
      connection: settings.bus.kafka,
      connectionTimeoutMs: t,
      requestTimeoutMs: Math.max(settings.timeoutMs, 5_000),
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    this.codec = createRegistryCodec({
      registryUrl: settings.bus.registry.url,
      subjectPrefix: settings.topicPrefix,
      ...(settings.bus.registry.auth === undefined ? {} : { auth: settings.bus.registry.auth }),
    });
    this.#admin = this.kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 } });
  }

  /** Opens a session and checks the broker, the `topics` this command needs and the registry. */
  static async open(settings: Settings, topics: readonly TopicName[]): Promise<Session> {
    const session = new Session(settings);
    try {
      // Both at once; when both fail, the broker's error is the one to fix first.
      // Reachability first, then what is missing on a reachable broker.
      const [broker, registry] = await Promise.allSettled([session.#checkBroker(topics), session.#checkRegistry()]);
      if (broker.status === 'rejected') throw broker.reason;
      if (registry.status === 'rejected') throw registry.reason;
      session.#assertTopics(broker.value);
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  get admin(): Admin {
    return this.#admin;
  }

  topicName(topic: TopicName): string {
    return this.settings.topicPrefix + topic;
  }

  /** A consumer group id private to one read; deleted again by whoever made it. */
  privateGroupId(purpose: string): string {
    return `${this.settings.topicPrefix}slbctl-${purpose}-${randomBytes(6).toString('hex')}`;
  }

  get bus(): KafkaBus {
    this.#bus ??= createKafkaBus({
      connection: this.settings.bus.kafka,
      codec: this.codec,
      kafka: this.kafka,
      clientId: 'slbctl',
      topicPrefix: this.settings.topicPrefix,
      groupIdPrefix: `${this.settings.topicPrefix}slbctl-`,
      deliveryTimeoutMs: this.settings.timeoutMs,
      logger: pino({ level: 'silent' }),
    });
    return this.#bus;
  }

  async close(): Promise<void> {
    await this.#bus?.close().catch(() => undefined);
    if (this.#adminConnected) await this.#admin.disconnect().catch(() => undefined);
  }

  /** Connects and returns the needed topics that do not exist. */
  async #checkBroker(topics: readonly TopicName[]): Promise<string[]> {
    const brokers = this.settings.bus.kafka.brokers.join(',');
    let existing: string[];
    try {
      await withTimeout(this.#admin.connect(), this.settings.timeoutMs, 'connecting');
      this.#adminConnected = true;
      existing = await withTimeout(this.#admin.listTopics(), this.settings.timeoutMs, 'listing topics');
    } catch (error) {
      throw new SlbError('SLB_KAFKA_UNREACHABLE', `cannot reach Kafka at ${brokers}: ${rootMessage(error)}`, { cause: error });
    }
    return topics.map((t) => this.topicName(t)).filter((t) => !existing.includes(t));
  }

  #assertTopics(missing: readonly string[]): void {
    const brokers = this.settings.bus.kafka.brokers.join(',');
    if (missing.length > 0) {
      throw new SlbError('SLB_TOPIC_MISSING', `topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing on ${brokers} (create them with: npm run kafka -- init-topics)`, {
        details: { missing },
      });
    }
  }

  async #checkRegistry(): Promise<void> {
    const { url, auth } = this.settings.bus.registry;
    const headers: Record<string, string> = {};
    if (auth !== undefined) headers['authorization'] = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    let status: number;
    try {
      const response = await fetch(`${url.replace(/\/+$/, '')}/subjects`, { headers, signal: AbortSignal.timeout(Math.min(this.settings.timeoutMs, 5_000)) });
      status = response.status;
      await response.body?.cancel();
    } catch (error) {
      throw new SlbError('SLB_REGISTRY_UNREACHABLE', `cannot reach the schema registry at ${url}: ${rootMessage(error)}`, { cause: error });
    }
    if (status === 401 || status === 403) throw new SlbError('SLB_REGISTRY_UNAUTHORIZED', `the schema registry at ${url} refused our credentials (HTTP ${status})`);
    if (status >= 400) throw new SlbError('SLB_REGISTRY_UNREACHABLE', `the schema registry at ${url} answered HTTP ${status} (is the URL right? it ends in /apis/ccompat/v7 for Apicurio)`);
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, doing: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${doing}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The most specific message in an error's cause chain (kafkajs wraps the socket error). */
export function rootMessage(error: unknown): string {
  if (isSlbError(error)) return error.message;
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message !== '') message = current.message;
    current = (current as { cause?: unknown; originalError?: unknown }).cause ?? (current as { originalError?: unknown }).originalError;
  }
  return message;
}
