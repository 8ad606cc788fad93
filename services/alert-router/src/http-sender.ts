/**
 * The two HTTP deliveries: Alertmanager's POST /api/v2/alerts and a plain webhook POST. Thin:
 * one attempt each, every failure an SLB_NOTIFY_FAILED whose `retriable` says whether trying
 * again can help (see classifyStatus); retry-policy.ts decides when to try again.
 */
import { SlbError } from '@slb/core';
import type { PostableAlert, WebhookPayload } from './alertmanager-mapping.js';
import { classifyStatus } from './retry-policy.js';

export interface SendOptions {
  readonly receiver: string;
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The v2 alerts endpoint under an Alertmanager base URL (which may carry a path prefix). */
export function alertmanagerAlertsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v2/alerts`;
}

export async function postAlertmanager(baseUrl: string, alerts: readonly PostableAlert[], options: SendOptions): Promise<void> {
  await postJson(alertmanagerAlertsUrl(baseUrl), alerts, options);
}

export async function postWebhook(url: string, payload: WebhookPayload, options: SendOptions): Promise<void> {
  await postJson(url, payload, options);
}

async function postJson(url: string, body: unknown, options: SendOptions): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'slb-alert-router', ...options.headers },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new SlbError('SLB_NOTIFY_FAILED', `${options.receiver}: POST ${safeUrl(url)} failed: ${describe(error)}`, {
      cause: error,
      retriable: true,
      details: { receiver: options.receiver, url: safeUrl(url) },
    });
  }
  const outcome = classifyStatus(response.status);
  if (outcome === 'delivered') {
    // Drain so the keep-alive connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    return;
  }
  const text = (await response.text().catch(() => '')).slice(0, 500);
  throw new SlbError('SLB_NOTIFY_FAILED', `${options.receiver}: POST ${safeUrl(url)} answered ${response.status}${text === '' ? '' : `: ${text}`}`, {
    retriable: outcome === 'retry',
    details: { receiver: options.receiver, url: safeUrl(url), status: response.status, body: text },
  });
}

/** A URL for logs and errors: credentials in it (user:pass@, tokens in the query) stay out. */
function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.name === 'TimeoutError' ? 'timed out' : error.message}${cause}`;
  }
  return String(error);
}
