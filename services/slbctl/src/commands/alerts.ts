/** `slbctl alerts`: alerts as they stand (the latest event per alert), firing ones by default. */
import type { Command } from 'commander';
import type { Alert } from '@slb/core';
import { currentAlerts } from '../alerts-model.js';
import { action, durationOption, withSession } from '../command-kit.js';
import { isoTime, type Io } from '../io.js';
import { readTopic } from '../topic-reader.js';

export function registerAlerts(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('alerts')
    .description('list alerts from the alerts topic: the latest state of each (firing only, unless --all)')
    .option('--all', 'include resolved alerts')
    .option('--service <id>', 'only this service')
    .option('--since <duration>', 'read alert events from this long ago', '24h')
    .action(
      action(io, async (inv) => {
        const sinceMs = durationOption(inv.options['since'], '--since');
        const serviceId = inv.options['service'] as string | undefined;
        await withSession(inv, ['alerts'], async (session) => {
          const records = await readTopic(session, 'alerts', { sinceMs: io.now() - sinceMs }, serviceId === undefined ? undefined : new Set([serviceId]));
          // Log order: one service's alerts share a partition, so this is the order they happened in.
          const events = records.flatMap((r) => (r.value === undefined ? [] : [r.value as Alert]));
          const alerts = currentAlerts(events, inv.options['all'] === true);
          inv.out.result({ alerts });
          if (alerts.length === 0) inv.out.line(inv.options['all'] === true ? 'no alerts' : 'no firing alerts');
          else {
            inv.out.table(
              ['STATE', 'SEVERITY', 'ALERT', 'SERVICE', 'INSTANCE', 'SINCE', 'ENDED', 'SUMMARY'],
              alerts.map((a) => [a.state, a.severity, a.name, a.serviceId, a.instanceId ?? '-', isoTime(a.startsAtMs), isoTime(a.endsAtMs), a.summary]),
            );
          }
        });
      }, setExit),
    );
}
