/**
 * Alert event -> Alertmanager API v2 "postable alert" (POST /api/v2/alerts), the way Prometheus
 * sends them. Pure: time comes in as `nowMs`.
 *
 * Alertmanager identifies an alert by its label set, so the labels must be the same for every
 * event of one dedupKey (firing, re-posts, resolved); everything that may change between events
 * (summary, evidence) goes into annotations.
 */
import type { Alert } from '@slb/core';

export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
}

export interface MappingOptions {
  /** The console's base URL; generatorURL links to the alert there. Omitted when undefined. */
  readonly consoleUrl: string | undefined;
  /**
   * How long a FIRING alert stays firing in Alertmanager without being posted again. Alertmanager
   * resolves an alert on its own once endsAt passes, so the router re-posts firing alerts well
   * before that (Prometheus uses 4x its resend interval; so do we by default).
   */
  readonly firingTtlMs: number;
}

/** Labels the router sets itself; an event's own labels cannot override them. */
export const RESERVED_LABELS = ['alertname', 'service', 'instance', 'severity', 'dedup_key'] as const;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A Prometheus-compatible label name. Alertmanager (before UTF-8 names) refuses the whole batch
 * for one bad name, so an event's free-form label keys are rewritten rather than passed through.
 */
export function labelName(raw: string): string {
  if (LABEL_NAME.test(raw)) return raw;
  const replaced = raw.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced === '' ? '_' : replaced;
}

export function alertLabels(alert: Alert): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(alert.labels)) {
    // Alertmanager drops empty-valued labels anyway; dropping them here keeps the identity stable.
    if (value !== '') labels[labelName(key)] = value;
  }
  for (const reserved of RESERVED_LABELS) delete labels[reserved];
  labels.alertname = alert.name;
  labels.service = alert.serviceId;
  if (alert.instanceId !== null && alert.instanceId !== '') labels.instance = alert.instanceId;
  // Lower case, as Prometheus rules write it, so one Alertmanager route serves both sources.
  labels.severity = alert.severity.toLowerCase();
  labels.dedup_key = alert.dedupKey;
  return labels;
}

export function generatorUrl(consoleUrl: string | undefined, dedupKey: string): string | undefined {
  if (consoleUrl === undefined) return undefined;
  return `${consoleUrl.replace(/\/+$/, '')}/alerts/${encodeURIComponent(dedupKey)}`;
}

export function toPostableAlert(alert: Alert, options: MappingOptions, nowMs: number): PostableAlert {
  const annotations: Record<string, string> = { summary: alert.summary };
  if (alert.description !== '') annotations.description = alert.description;
  annotations.evidence = JSON.stringify(alert.evidence);
  // A RESOLVED event without endsAtMs (or with one before it started) resolves now; Alertmanager
  // rejects endsAt before startsAt.
  const endsAtMs =
    alert.state === 'RESOLVED' ? Math.max(alert.endsAtMs ?? nowMs, alert.startsAtMs) : Math.max(nowMs, alert.startsAtMs) + options.firingTtlMs;
  const url = generatorUrl(options.consoleUrl, alert.dedupKey);
  return {
    labels: alertLabels(alert),
    annotations,
    startsAt: new Date(alert.startsAtMs).toISOString(),
    endsAt: new Date(endsAtMs).toISOString(),
    ...(url === undefined ? {} : { generatorURL: url }),
  };
}

/** The JSON body plain webhooks receive: the event as published plus its Alertmanager form. */
export interface WebhookPayload {
  readonly version: '1';
  readonly source: 'slb-alert-router';
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly alert: Alert;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string | null;
  readonly generatorURL?: string;
}

export function toWebhookPayload(alert: Alert, receiver: string, options: MappingOptions, nowMs: number): WebhookPayload {
  const postable = toPostableAlert(alert, options, nowMs);
  return {
    version: '1',
    source: 'slb-alert-router',
    status: alert.state === 'FIRING' ? 'firing' : 'resolved',
    receiver,
    alert,
    labels: postable.labels,
    annotations: postable.annotations,
    startsAt: postable.startsAt,
    // A webhook has no auto-resolve, so a firing alert carries no (synthetic) end time.
    endsAt: alert.state === 'FIRING' ? null : postable.endsAt,
    ...(postable.generatorURL === undefined ? {} : { generatorURL: postable.generatorURL }),
  };
}
