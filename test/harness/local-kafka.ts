/**
 * A private Kafka broker + schema registry for tests, run through deployment/kafka/kafka-management.sh
 * on free ports with its own runtime dir under test/.artifacts/ (so it never touches a developer's
 * broker, and parallel runs never share state). Used by global-setup.ts and by the lifecycle test.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const MANAGEMENT_SCRIPT = fileURLToPath(new URL('../../deployment/kafka/kafka-management.sh', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../.artifacts', import.meta.url));

export interface ScriptResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kafka-management.sh; never throws on a non-zero exit (tests assert on `code`). */
export function runManagement(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    execFile('bash', [MANAGEMENT_SCRIPT, ...args], { env, cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`kafka-management.sh ${args.join(' ')} did not finish: ${error.message}\n${stdout}${stderr}`));
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP port assigned');
  return address.port;
}

export interface LocalKafka {
  readonly runtimeDir: string;
  readonly broker: string;
  readonly registryUrl: string;
  /** The environment that points kafka-management.sh at this instance. */
  readonly env: NodeJS.ProcessEnv;
}

/** Ports and a runtime dir for a private instance; nothing is started yet. */
export async function planLocalKafka(label: string): Promise<LocalKafka> {
  const [kafkaPort, controllerPort, registryPort] = [await freePort(), await freePort(), await freePort()];
  const runtimeDir = `${ARTIFACTS}/${label}-${process.pid}-${randomBytes(3).toString('hex')}`;
  mkdirSync(runtimeDir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The instance's addresses follow from its ports; inherited addresses would point elsewhere.
  for (const name of ['KAFKA_BROKER', 'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'KAFKA_INTERNAL_BROKER']) delete env[name];
  Object.assign(env, {
    SLB_KAFKA_MODE: 'native',
    SLB_KAFKA_HOME: runtimeDir,
    KAFKA_PORT: String(kafkaPort),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    REGISTRY_PORT: String(registryPort),
    // A test broker lives for minutes: the C1 compiler alone roughly halves its start-up on
    // small machines, and peak throughput does not matter here.
    KAFKA_HEAP_OPTS: process.env.KAFKA_HEAP_OPTS ?? '-Xmx512m -Xms256m -XX:TieredStopAtLevel=1',
  });
  return {
    runtimeDir,
    broker: `127.0.0.1:${kafkaPort}`,
    registryUrl: `http://127.0.0.1:${registryPort}/apis/ccompat/v7`,
    env,
  };
}

/** The Kafka release kafka-management.sh runs with an environment, and where its jars are. */
export interface KafkaInstallation {
  readonly version: string;
  /** The directory of its jars (classpath `${lib}/*`). */
  readonly lib: string;
}

/**
 * Resolves (fetches once) the jars kafka-management.sh runs for `env` (KAFKA_VERSION, else the
 * default in deployment/kafka/versions.env), for tests that start a Kafka of their own. Nothing
 * else names a Kafka version or jar path.
 */
export async function kafkaInstallation(env: NodeJS.ProcessEnv = process.env): Promise<KafkaInstallation> {
  const info = await runManagement(['info'], env);
  const values = new Map(info.stdout.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const version = values.get('KAFKA_VERSION');
  const lib = values.get('KAFKA_LIB');
  if (info.code !== 0 || !version || !lib) throw new Error(`kafka-management.sh info failed (exit ${info.code}):\n${info.stdout}${info.stderr}`);
  return { version, lib };
}

/** Programs the local pair needs, by name, when missing from PATH. */
export function missingTools(): string[] {
  return ['java', 'mvn'].filter((tool) => {
    const probe = spawnSync(tool, [tool === 'java' ? '-version' : '--version'], { stdio: 'ignore' });
    return probe.error !== undefined;
  });
}

/** Java processes whose command line names the runtime dir: what must be gone after a stop. */
export function javaProcessesOf(runtimeDir: string): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited while we looked
    }
    const command = argv.join(' ');
    if (/(^|\/)java$/.test(argv[0] ?? '') && command.includes(runtimeDir)) found.push({ pid: Number(entry), command });
  }
  return found;
}

export function removeRuntimeDir(runtimeDir: string): void {
  rmSync(runtimeDir, { recursive: true, force: true });
}
