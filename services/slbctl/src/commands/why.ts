/** `slbctl why <instance>`: the evidence behind an instance's current weight. */
import type { Command } from 'commander';
import type { Alert, AuditLog, HealthScore } from '@slb/core';
import { action, durationOption, withSession } from '../command-kit.js';
import { isoTime, type Io } from '../io.js';
import { latestPerKey, readTopic } from '../topic-reader.js';
import { explainInstance } from '../why-model.js';

export function registerWhy(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('why')
    .description("explain an instance's current weight and state: the routing decision, its evidence, the health score and its components, alerts and audit records")
    .argument('<instance>', 'instance id')
    .option('--service <id>', 'the service (needed when the instance id is in more than one)')
    .option('--since <duration>', 'how far back to read scores, alerts and audit records', '1h')
    .action(
      action(io, async (inv, [instanceId]) => {
        const sinceMs = durationOption(inv.options['since'], '--since');
        const serviceId = inv.options['service'] as string | undefined;
        await withSession(inv, ['config-updates', 'routing-decisions', 'health-scores', 'alerts', 'audit-logs'], async (session) => {
          const at = { sinceMs: io.now() - sinceMs };
          const [configs, decisions, scores, alerts, audits] = await Promise.all([
            latestPerKey(session, 'config-updates'),
            latestPerKey(session, 'routing-decisions'),
            readTopic(session, 'health-scores', at),
            readTopic(session, 'alerts', at),
            readTopic(session, 'audit-logs', at),
          ]);
          const values = <T>(records: readonly { value?: unknown }[]) => records.flatMap((r) => (r.value === undefined ? [] : [r.value as T]));
          const report = explainInstance({
            instanceId: instanceId as string,
            ...(serviceId === undefined ? {} : { serviceId }),
            configs,
            decisions,
            scores: values<HealthScore>(scores).sort((a, b) => a.windowEndMs - b.windowEndMs),
            alerts: values<Alert>(alerts),
            audits: values<AuditLog>(audits),
          });
          inv.out.result(report);
          const { out } = inv;
          out.line(`${report.instanceId} (service ${report.serviceId})`);
          out.line(`  why: ${report.answer}`);
          out.line(report.config === null ? '  config: not in the current config' : `  config: ${report.config.address}, static weight ${report.config.weight}${report.config.zone === null ? '' : `, zone ${report.config.zone}`}`);
          const d = report.decision;
          if (d === null) out.line('  decision: none (proxies balance on their local signals alone)');
          else {
            const i = d.instance;
            out.line(`  decision v${d.version} by ${d.issuedBy || '?'} at ${isoTime(d.issuedAtMs)}, expires ${isoTime(d.expiresAtMs)}${d.panic ? ', PANIC (routing to all instances)' : ''}${d.configVersion === null ? '' : `, against config v${d.configVersion}`}`);
            out.line(i === null ? '    this instance is not in the decision' : `    weight ${Number(i.weight.toFixed(3))}, ${i.state}${i.stateUntilMs === null ? '' : ` until ${isoTime(i.stateUntilMs)}`}: ${i.reason || '(no reason given)'}`);
            for (const s of d.evidence.scores) out.line(`    evidence: score ${s.score.toFixed(3)} for the window ending ${isoTime(s.windowEndMs)}`);
            for (const w of d.evidence.windows) out.line(`    evidence: window ${isoTime(w.startMs)} .. ${isoTime(w.endMs)}`);
            for (const s of d.evidence.sources) out.line(`    evidence: ${s.topic} partition ${s.partition} offset ${s.offset}`);
            for (const n of d.evidence.notes) out.line(`    note: ${n}`);
          }
          const s = report.score;
          if (s === null) out.line('  health score: none in the window read (--since)');
          else {
            out.line(`  health score ${s.score.toFixed(3)} for ${isoTime(s.windowStartMs)} .. ${isoTime(s.windowEndMs)} (${s.inputs.requests} requests, ${s.inputs.proxiesReporting} proxies)`);
            for (const c of s.components) out.line(`    ${c.name}: ${c.value.toFixed(3)} x weight ${c.weight}${c.detail === '' ? '' : ` (${c.detail})`}`);
            if (report.recentScores.length > 1) out.line(`    trend: ${report.recentScores.map((r) => r.score.toFixed(2)).join(' ')}`);
          }
          for (const a of report.alerts) out.line(`  alert ${a.state} ${a.severity} ${a.name} at ${isoTime(a.startsAtMs)}: ${a.summary}`);
          for (const a of report.audits) out.line(`  audit ${isoTime(a.atMs)} ${a.role}/${a.actor} ${a.action}: ${a.reason}`);
        });
      }, setExit),
    );
}
