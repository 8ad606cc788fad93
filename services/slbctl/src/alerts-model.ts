/** Alerts as they stand (pure): the latest event per dedupKey decides whether it is firing. */
import type { Alert } from '@slb/core';

/** `events` in time order; returns one alert per dedupKey, most recent first. */
export function currentAlerts(events: readonly Alert[], includeResolved: boolean): Alert[] {
  const latest = new Map<string, Alert>();
  for (const a of events) latest.set(a.dedupKey, a);
  return [...latest.values()].filter((a) => includeResolved || a.state === 'FIRING').sort((a, b) => b.startsAtMs - a.startsAtMs || a.dedupKey.localeCompare(b.dedupKey));
}
