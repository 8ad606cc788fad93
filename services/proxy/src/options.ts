/**
 * What `createProxy` takes: the process config plus injected dependencies (clock, randomness,
 * logger, bus), so tests drive time and dice and main.ts wires the real ones.
 */
import type { KeyObject } from 'node:crypto';
import type { Clock, EventBus } from '@slb/core';
import type { Logger } from 'pino';
import type { PathNormalization } from './data-path/path-normalization.js';

export interface ProxyLimits {
  /** Request body limit in bytes (413); 0 disables the limit. */
  readonly maxBodyBytes: number;
  /** Request line + headers, bytes (node's maxHeaderSize; 431). */
  readonly maxHeaderBytes: number;
  /** Header field count (431). */
  readonly maxHeaders: number;
  /** Request-target length (414). */
  readonly maxUrlLength: number;
  /** A client must send its complete headers within this (408, slowloris). */
  readonly headersTimeoutMs: number;
  /** A client must send its complete request (headers + body) within this; 0 = off. */
  readonly requestTimeoutMs: number;
  /** Idle keep-alive connections from clients close after this. */
  readonly keepAliveTimeoutMs: number;
  /**
   * A request body must keep up this average rate (bytes/s) after `bodyGraceMs`, or the client
   * is answered 408 and cut off (Apache mod_reqtimeout's `MinRate`); 0 = no minimum.
   */
  readonly bodyMinBytesPerSec: number;
  /** How long a request body may take before its rate is held to `bodyMinBytesPerSec`. */
  readonly bodyGraceMs: number;
}

export const DEFAULT_LIMITS: ProxyLimits = Object.freeze({
  maxBodyBytes: 10 * 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaders: 100,
  maxUrlLength: 8 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  bodyMinBytesPerSec: 500,
  bodyGraceMs: 10_000,
});

export interface ProxyOptions {
  readonly proxyId: string;
  readonly host?: string;
  readonly port?: number;
  readonly adminHost?: string;
  readonly adminPort?: number;
  readonly adminToken?: string | undefined;
  readonly snapshotDir?: string | undefined;
  /** Ed25519 public key: when set, unsigned / forged config updates are rejected. */
  readonly configPublicKey?: KeyObject | string | undefined;
  readonly trustedProxies?: readonly string[];
  /**
   * The local address every connection to an instance leaves from (nginx `proxy_bind`, HAProxy
   * `source`): on a multi-homed host, the interface the instances' firewalls allow.
   */
  readonly upstreamSourceAddress?: string | undefined;
  readonly limits?: Partial<ProxyLimits>;
  /** Path normalisation before routing (docs/proxy.md, "HTTP hygiene"); default: merge off, escaped slashes kept. */
  readonly pathNormalization?: Partial<PathNormalization>;
  /** Client-IP fields stripped from untrusted peers (default: X-Real-IP, True-Client-IP, X-Client-IP, CF-Connecting-IP). */
  readonly clientIpHeaders?: readonly string[];
  /** Forward TRACE (default false: 405). */
  readonly allowTrace?: boolean;
  readonly drainTimeoutMs?: number;
  /** Telemetry window; 0 disables telemetry. */
  readonly telemetryWindowMs?: number;
  readonly accessLog?: boolean;
  /** Services applied at start (after the snapshot, so a newer snapshot wins). */
  readonly services?: readonly unknown[];
  /** Core's clock: `now` for windows, expiries and balancer time; `monotonic` for latencies. */
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly logger?: Logger;
  /** When given: config-updates and routing-decisions are consumed, status and telemetry written. */
  readonly bus?: EventBus;
}
