/** `slbctl config validate | push | get | diff | history | rollback`. */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { eventToJson, SlbError, type AuditLog, type ConfigUpdate } from '@slb/core';
import { action, DEFAULT_LIVE_WITHIN, durationOption, intOption, withSession, type Invocation } from '../command-kit.js';
import { changeLine, configDiff } from '../config-diff.js';
import { readConfigFile } from '../config-file.js';
import { configHistory, type HistoryEntry } from '../config-history.js';
import { assertConverged, loadSigningKey, pushConfig, sign, type PushResult } from '../config-push.js';
import { formatDuration } from '../duration.js';
import { isoTime, type Io } from '../io.js';
import { prepareUpdate, reissue } from '../prepare-update.js';
import type { Session } from '../session.js';
import { latestPerKey, readTopic } from '../topic-reader.js';

function configJson(u: ConfigUpdate): unknown {
  return eventToJson('config-updates', u);
}

/** A config to edit and push back: push fills version and the rest; previousVersion makes it refuse if someone pushed in between. */
function editable(u: ConfigUpdate): unknown {
  const json = configJson(u) as Record<string, unknown>;
  for (const field of ['version', 'issuedAtMs', 'issuedBy', 'signature']) delete json[field];
  return { ...json, previousVersion: u.version };
}

async function currentConfig(session: Session, serviceId: string): Promise<ConfigUpdate | undefined> {
  return (await latestPerKey(session, 'config-updates')).get(serviceId);
}

async function history(session: Session, serviceId: string): Promise<HistoryEntry[]> {
  const [records, audits] = await Promise.all([readTopic(session, 'config-updates', 'beginning', new Set([serviceId])), readTopic(session, 'audit-logs', 'beginning', new Set([serviceId]))]);
  return configHistory(
    serviceId,
    records.flatMap((r) => (r.value === undefined ? [] : [{ value: r.value, partition: r.partition, offset: r.offset }])),
    audits.flatMap((r) => (r.value === undefined ? [] : [r.value as AuditLog])),
  );
}

function reportPush(inv: Invocation, result: PushResult): void {
  const { out } = inv;
  out.result(result);
  const label = `${result.serviceId}@${result.version}`;
  out.line(`pushed ${label}${result.signed ? ' (signed)' : ''}, replacing ${result.previousVersion === null ? 'nothing' : `v${result.previousVersion}`}`);
  const v = result.verdict;
  if (v === null) return;
  if (v.proxies.length > 0) {
    out.table(
      ['PROXY', 'STATE', 'APPLIED', 'AFTER', 'REASON'],
      v.proxies.map((p) => [p.proxyId, p.state, p.appliedVersion === null ? '-' : `v${p.appliedVersion}`, result.appliedAfterMs[p.proxyId] === undefined ? '-' : formatDuration(result.appliedAfterMs[p.proxyId]!), p.reason ?? '']),
    );
  }
  if (v.ignored.length > 0) out.line(`not waited for (no status within the liveness window): ${v.ignored.join(', ')}`);
  if (v.state === 'converged') {
    out.line(v.proxies.length === 0 ? 'no live proxy to wait for (none reported within the liveness window)' : `converged on ${v.proxies.length} live prox${v.proxies.length === 1 ? 'y' : 'ies'} in ${formatDuration(result.convergenceMs ?? 0)}`);
  }
}

interface PushFlags {
  readonly signKey?: string;
  readonly wait?: boolean;
  readonly liveWithin?: string;
  readonly minProxies?: string;
  readonly reason?: string;
}

/** The topics push reads and writes (and validate --against-cluster checks exist). */
const PUSH_TOPICS = ['config-updates', 'config-status', 'audit-logs'] as const;

/** The key push signs with: --sign-key, else $SLBCTL_SIGN_KEY_FILE. */
function signKeyFileOf(inv: Invocation): string | undefined {
  return (inv.options as PushFlags).signKey ?? inv.settings.signKeyFile;
}

function pushOptions(inv: Invocation) {
  const o = inv.options as PushFlags;
  return {
    signKeyFile: signKeyFileOf(inv),
    wait: o.wait !== false,
    liveWindowMs: durationOption(o.liveWithin ?? DEFAULT_LIVE_WITHIN, '--live-within'),
    minProxies: o.minProxies === undefined ? 0 : intOption(o.minProxies, '--min-proxies'),
  };
}

function addPushOptions(cmd: Command): Command {
  return cmd
    .option('--sign-key <file>', 'sign with this Ed25519 private key (PEM, or base64 of the 32 raw bytes); default $SLBCTL_SIGN_KEY_FILE')
    .option('--no-wait', 'do not wait for the proxies to apply it')
    .option('--live-within <duration>', 'proxies that reported config-status within this long before the push are waited for', DEFAULT_LIVE_WITHIN)
    .option('--min-proxies <n>', 'also wait until at least this many proxies applied it', '0')
    .option('--reason <text>', 'why (recorded on audit-logs)');
}

export function registerConfig(program: Command, io: Io, setExit: (code: number) => void): void {
  const config = program.command('config').description('validate, push, inspect and roll back service configs (topic config-updates)');

  config
    .command('validate')
    .description('check config files with every check push runs before it publishes, listing every problem with its field path (no broker needed unless --against-cluster)')
    .argument('<files...>', 'YAML or JSON files, one service config each')
    .option('--sign-key <file>', 'also sign with this key, as push would (default $SLBCTL_SIGN_KEY_FILE): a key push cannot use fails here too')
    .option('--against-cluster', "also check each file's version against the service's current config on config-updates, as push does (needs the broker)")
    .action(
      action(io, async (inv, [files]) => {
        const signKeyFile = signKeyFileOf(inv);
        const key = signKeyFile === undefined ? undefined : await loadSigningKey(signKeyFile);
        const check = async (current: ReadonlyMap<string, ConfigUpdate>) => {
          const results: { file: string; ok: boolean; serviceId?: string; signed?: boolean; issues: { path: string; message: string }[] }[] = [];
          for (const file of files as string[]) {
            try {
              // The stages of push, in its order, short of publishing: parse, version checks
              // against the current config (when known), schema with unknown fields, meaning,
              // the Avro contract (prepareUpdate), then signing.
              const raw = await readConfigFile(file);
              const { update } = prepareUpdate({ raw, current: current.get(typeof raw['serviceId'] === 'string' ? raw['serviceId'] : ''), actor: inv.settings.actor, nowMs: io.now(), source: file });
              if (key !== undefined) sign(update, key, signKeyFile!);
              results.push({ file, ok: true, serviceId: update.serviceId, signed: key !== undefined, issues: [] });
              inv.out.line(`ok  ${file}  (service ${update.serviceId}${key === undefined ? '' : ', signed'})`);
            } catch (error) {
              if (!(error instanceof SlbError) || error.code === 'SLB_CLI_USAGE') throw error;
              const issues = ((error.details?.['issues'] as { path: string; message: string }[] | undefined) ?? [{ path: '', message: error.message }]);
              results.push({ file, ok: false, issues });
              inv.out.line(`invalid  ${file}`);
              for (const i of issues) inv.out.line(`  ${i.path === '' ? '(file)' : i.path}: ${i.message}`);
            }
          }
          inv.out.result({ files: results });
          const bad = results.filter((r) => !r.ok);
          if (bad.length > 0) {
            throw new SlbError('SLB_SERVICE_CONFIG_INVALID', `${bad.length} of ${results.length} config file${results.length > 1 ? 's are' : ' is'} invalid (${plural(bad.reduce((n, r) => n + r.issues.length, 0), 'problem')})`);
          }
        };
        if (inv.options['againstCluster'] === true) await withSession(inv, PUSH_TOPICS, async (session) => check(await latestPerKey(session, 'config-updates')));
        else await check(new Map());
      }, setExit),
    );

  addPushOptions(
    config
      .command('push')
      .description('publish a config to config-updates and wait until every live proxy applied it')
      .argument('<file>', 'YAML or JSON service config; version, previousVersion, issuedAtMs and issuedBy are filled in when left out'),
  ).action(
    action(io, async (inv, [file]) => {
      const raw = await readConfigFile(file as string);
      const opts = pushOptions(inv);
      await withSession(inv, PUSH_TOPICS, async (session) => {
        const serviceId = typeof raw['serviceId'] === 'string' ? raw['serviceId'] : '';
        const current = serviceId === '' ? undefined : await currentConfig(session, serviceId);
        const { update } = prepareUpdate({ raw, current, actor: inv.settings.actor, nowMs: io.now(), source: file as string });
        const result = await pushConfig(session, io, {
          ...opts,
          update,
          previous: current,
          action: 'config.push',
          reason: (inv.options as PushFlags).reason ?? `pushed ${file as string} with slbctl`,
        });
        reportPush(inv, result);
        assertConverged(result, inv.settings.timeoutMs);
      });
    }, setExit),
  );

  config
    .command('get')
    .description("print a service's current config (YAML; --json for JSON), or list every service")
    .argument('[service]', 'service id; leave out to list services')
    .option('--at <version>', 'an earlier version, from the history')
    .option('--editable', 'without the fields push fills in, and with previousVersion set, ready to edit and push back')
    .action(
      action(io, async (inv, [serviceId]) => {
        const wanted = inv.options['at'] === undefined ? undefined : intOption(inv.options['at'], '--at', 1);
        await withSession(inv, ['config-updates', 'audit-logs'], async (session) => {
          if (serviceId === undefined) {
            if (wanted !== undefined) throw new SlbError('SLB_CLI_USAGE', '--at needs a service');
            const all = [...(await latestPerKey(session, 'config-updates')).values()].sort((a, b) => a.serviceId.localeCompare(b.serviceId));
            inv.out.result({ services: all.map((u) => ({ serviceId: u.serviceId, version: u.version, deleted: u.deleted, instances: u.instances.length, routes: u.routes.length, issuedBy: u.issuedBy, issuedAtMs: u.issuedAtMs, signed: u.signature !== null })) });
            inv.out.table(
              ['SERVICE', 'VERSION', 'INSTANCES', 'ROUTES', 'SIGNED', 'ISSUED', 'BY'],
              all.map((u) => [u.serviceId, `v${u.version}${u.deleted ? ' (deleted)' : ''}`, String(u.instances.length), u.routes.map((r) => `${r.host ?? '*'}${r.pathPrefix}`).join(' '), u.signature === null ? 'no' : 'yes', isoTime(u.issuedAtMs), u.issuedBy]),
            );
            if (all.length === 0) inv.out.line('no services on config-updates');
            return;
          }
          let update: ConfigUpdate | undefined;
          if (wanted === undefined) update = await currentConfig(session, serviceId as string);
          else update = (await history(session, serviceId as string)).find((h) => h.version === wanted)?.update;
          if (update === undefined) throw new SlbError('SLB_CLI_NOT_FOUND', `no config ${wanted === undefined ? '' : `version ${wanted} `}for service ${serviceId as string} on ${session.topicName('config-updates')}`);
          const shown = inv.options['editable'] === true ? editable(update) : configJson(update);
          inv.out.result(shown);
          if (!inv.out.json) io.stdout(stringify(shown));
        });
      }, setExit),
    );

  config
    .command('diff')
    .description("show what a file would change in a service's current config, or what changed between two versions")
    .argument('<service>', 'service id')
    .argument('[file]', 'YAML or JSON config to compare with the current one')
    .option('--from <n>', 'compare version <n> (default: the current one) ...')
    .option('--to <n>', '... with version <n> (instead of a file)')
    .action(
      action(io, async (inv, [serviceId, file]) => {
        const from = inv.options['from'] === undefined ? undefined : intOption(inv.options['from'], '--from', 1);
        const to = inv.options['to'] === undefined ? undefined : intOption(inv.options['to'], '--to', 1);
        if ((file === undefined) === (to === undefined)) throw new SlbError('SLB_CLI_USAGE', 'give either a file or --to <version>');
        const raw = file === undefined ? undefined : await readConfigFile(file as string);
        await withSession(inv, ['config-updates', 'audit-logs'], async (session) => {
          const sid = serviceId as string;
          const needHistory = from !== undefined || to !== undefined;
          const past = needHistory ? await history(session, sid) : [];
          const version = (n: number) => {
            const found = past.find((h) => h.version === n)?.update;
            if (found === undefined) throw new SlbError('SLB_CLI_NOT_FOUND', `version ${n} of ${sid} is not in its history (see: slbctl config history ${sid})`);
            return found;
          };
          const current = await currentConfig(session, sid);
          const left = from === undefined ? current : version(from);
          let right: ConfigUpdate;
          let rightLabel: string;
          if (raw !== undefined) {
            // Compared as it would be pushed, but never refused as stale: finding out what changed
            // since the file was written is what diff is for. A file from `config get --editable`
            // names the version it was written against; it would become the next one.
            const basedOn = typeof raw['previousVersion'] === 'number' ? raw['previousVersion'] : (current?.version ?? 0);
            const asPushed = raw['version'] === undefined ? { ...raw, version: basedOn + 1 } : raw;
            right = prepareUpdate({ raw: asPushed, current: undefined, actor: inv.settings.actor, nowMs: io.now(), source: file as string }).update;
            rightLabel = file as string;
          } else {
            right = version(to!);
            rightLabel = `v${to!}`;
          }
          const leftLabel = left === undefined ? '(none)' : `v${left.version}`;
          const changes = configDiff(left, right);
          inv.out.result({ serviceId: sid, from: left?.version ?? null, to: raw === undefined ? to : file, changes });
          inv.out.line(`${sid}: ${leftLabel} -> ${rightLabel}: ${changes.length === 0 ? 'no changes' : `${changes.length} change${changes.length > 1 ? 's' : ''}`}`);
          for (const c of changes) inv.out.line(changeLine(c));
        });
      }, setExit),
    );

  config
    .command('history')
    .description("list a service's config versions from config-updates and audit-logs (oldest first)")
    .argument('<service>', 'service id')
    .action(
      action(io, async (inv, [serviceId]) => {
        await withSession(inv, ['config-updates', 'audit-logs'], async (session) => {
          const sid = serviceId as string;
          const entries = await history(session, sid);
          if (entries.length === 0) throw new SlbError('SLB_CLI_NOT_FOUND', `no config history for service ${sid}`);
          inv.out.result({ serviceId: sid, versions: entries.map((e) => ({ version: e.version, issuedAtMs: e.update.issuedAtMs, issuedBy: e.update.issuedBy, deleted: e.update.deleted, signed: e.update.signature !== null, instances: e.update.instances.length, sources: e.sources, config: configJson(e.update) })) });
          inv.out.table(
            ['VERSION', 'ISSUED', 'BY', 'INSTANCES', 'SIGNED', 'FROM'],
            entries.map((e) => [`v${e.version}${e.update.deleted ? ' (deleted)' : ''}`, isoTime(e.update.issuedAtMs), e.update.issuedBy, String(e.update.instances.length), e.update.signature === null ? 'no' : 'yes', e.sources.join('; ')]),
          );
        });
      }, setExit),
    );

  addPushOptions(
    config
      .command('rollback')
      .description('re-push an earlier version from the history as the next version, and wait for the proxies')
      .argument('<service>', 'service id')
      .option('--to <n>', 'the version to go back to (default: the one before the current)'),
  ).action(
    action(io, async (inv, [serviceId]) => {
      const sid = serviceId as string;
      const to = inv.options['to'] === undefined ? undefined : intOption(inv.options['to'], '--to', 1);
      const opts = pushOptions(inv);
      await withSession(inv, PUSH_TOPICS, async (session) => {
        const [entries, current] = await Promise.all([history(session, sid), currentConfig(session, sid)]);
        const target = to === undefined ? [...entries].reverse().find((e) => current === undefined || e.version < current.version) : entries.find((e) => e.version === to);
        if (target === undefined) {
          throw new SlbError('SLB_CLI_NOT_FOUND', to === undefined ? `no version of ${sid} before the current one in its history` : `version ${to} of ${sid} is not in its history (see: slbctl config history ${sid})`);
        }
        const update = reissue(target.update, current, inv.settings.actor, io.now());
        inv.out.line(`rolling ${sid} back to the content of v${target.version}`);
        const result = await pushConfig(session, io, { ...opts, update, previous: current, action: 'config.rollback', reason: (inv.options as PushFlags).reason ?? `rollback of ${sid} to v${target.version}` });
        reportPush(inv, result);
        assertConverged(result, inv.settings.timeoutMs);
      });
    }, setExit),
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
