/** `slbctl status`: services, instances, scores, weights, ejections, and which proxy runs which version. */
import type { Command } from 'commander';
import type { HealthScore } from '@slb/core';
import { action, DEFAULT_LIVE_WITHIN, durationOption, withSession } from '../command-kit.js';
import { isoTime, type Io } from '../io.js';
import { fleetStatus } from '../status-model.js';
import { latestPerKey, readTopic } from '../topic-reader.js';

export function registerStatus(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('status')
    .description('services, instances (config weight, effective weight, state, score) and proxies (live, applied versions)')
    .option('--service <id>', 'only this service')
    .option('--since <duration>', 'health scores from this long ago', '5m')
    .option('--live-within <duration>', 'a proxy is live when it reported config-status within this long', DEFAULT_LIVE_WITHIN)
    .action(
      action(io, async (inv) => {
        const sinceMs = durationOption(inv.options['since'], '--since');
        const liveWindowMs = durationOption(inv.options['liveWithin'], '--live-within');
        const serviceId = inv.options['service'] as string | undefined;
        await withSession(inv, ['config-updates', 'routing-decisions', 'config-status', 'health-scores'], async (session) => {
          const now = io.now();
          const [configs, decisions, statuses, scoreRecords] = await Promise.all([
            latestPerKey(session, 'config-updates'),
            latestPerKey(session, 'routing-decisions'),
            latestPerKey(session, 'config-status'),
            readTopic(session, 'health-scores', { sinceMs: now - sinceMs }),
          ]);
          const scores = scoreRecords.flatMap((r) => (r.value === undefined ? [] : [r.value as HealthScore])).sort((a, b) => a.windowEndMs - b.windowEndMs);
          const fleet = fleetStatus({ configs, decisions, scores, statuses, nowMs: now, liveWindowMs, ...(serviceId === undefined ? {} : { serviceId }) });
          inv.out.result(fleet);
          const { out } = inv;
          out.line('SERVICES');
          out.table(
            ['SERVICE', 'CONFIG', 'DECISION', 'EXPIRES', 'PANIC', 'INSTANCES'],
            fleet.services.map((s) => [
              s.serviceId,
              s.configVersion === null ? '-' : `v${s.configVersion}${s.deleted ? ' (deleted)' : ''}`,
              s.decisionVersion === null ? '-' : `v${s.decisionVersion}`,
              s.decisionExpiresAtMs === null ? '-' : s.decisionExpired ? 'expired (local loop only)' : isoTime(s.decisionExpiresAtMs),
              s.panic ? 'PANIC' : 'no',
              String(s.instances.length),
            ]),
          );
          out.line();
          out.line('INSTANCES');
          out.table(
            ['SERVICE', 'INSTANCE', 'ADDRESS', 'STATE', 'WEIGHT', 'CONFIG WEIGHT', 'SCORE', 'UNTIL', 'REASON'],
            fleet.services.flatMap((s) =>
              s.instances.map((i) => [
                s.serviceId,
                i.instanceId,
                i.address ?? '-',
                i.state ?? '-',
                i.weight === null ? '-' : String(Number(i.weight.toFixed(3))),
                i.configWeight === null ? '-' : String(i.configWeight),
                i.score === null ? '-' : i.score.toFixed(2),
                isoTime(i.stateUntilMs),
                i.reason,
              ]),
            ),
          );
          out.line();
          out.line('PROXIES');
          out.table(
            ['PROXY', 'LIVE', 'LAST STATUS', 'CONFIG VERSIONS', 'DECISION VERSIONS', 'LAST REJECTED'],
            fleet.proxies.map((p) => [
              p.proxyId,
              p.live ? 'yes' : 'no',
              isoTime(p.updatedAtMs),
              Object.entries(p.appliedVersions).map(([k, v]) => `${k}@${v}`).join(' ') || '-',
              Object.entries(p.decisionVersions).map(([k, v]) => `${k}@${v}`).join(' ') || '-',
              p.lastRejected === null ? '-' : `${p.lastRejected.serviceId}@${p.lastRejected.version} ${p.lastRejected.errorCode}`,
            ]),
          );
        });
      }, setExit),
    );
}
