/**
 * The core's one reader of the environment for Kafka, the schema registry and their security
 * settings. Raw strings in, one typed, frozen object out; every problem is collected and
 * reported at once in a single SLB_CONFIG_INVALID error (details.problems names each variable).
 */
import { isSlbError, SlbError } from '../errors/index.js';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaSaslConfig {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

export interface KafkaTlsConfig {
  /** Verify the broker certificate against the CA (default true; turn off only for a lab). */
  readonly rejectUnauthorized: boolean;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface KafkaConnectionConfig {
  readonly brokers: readonly string[];
  readonly sasl?: KafkaSaslConfig;
  /** Present when TLS is on. */
  readonly tls?: KafkaTlsConfig;
}

export interface RegistryConfig {
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string };
}

export interface BusEnvConfig {
  readonly kafka: KafkaConnectionConfig;
  readonly registry: RegistryConfig;
}

export interface ConfigProblem {
  readonly field: string;
  readonly message: string;
}

export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
export const DEFAULT_SCHEMA_REGISTRY_URL = 'http://127.0.0.1:8081';

const MECHANISMS: Readonly<Record<string, SaslMechanism>> = {
  plain: 'plain',
  'scram-sha-256': 'scram-sha-256',
  'scram-sha-512': 'scram-sha-512',
};

type Env = Readonly<Record<string, string | undefined>>;

/** Read the bus settings from `env` (default: the process environment). Throws SLB_CONFIG_INVALID. */
export function readBusEnv(env: Env = process.env): BusEnvConfig {
  const problems: ConfigProblem[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
    if (['0', 'false', 'no', 'off'].includes(lower)) return false;
    problems.push({ field: name, message: `expected true or false, got "${raw}"` });
    return fallback;
  };

  const brokers = (get('KAFKA_BROKERS') ?? DEFAULT_KAFKA_BROKERS).split(',').map((b) => b.trim()).filter((b) => b !== '');
  if (brokers.length === 0) problems.push({ field: 'KAFKA_BROKERS', message: 'no broker address given' });
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(broker)) {
      problems.push({ field: 'KAFKA_BROKERS', message: `"${broker}" is not host:port` });
    }
  }

  let sasl: KafkaSaslConfig | undefined;
  const mechanismRaw = get('KAFKA_SASL_MECHANISM');
  const username = get('KAFKA_SASL_USERNAME');
  const password = env['KAFKA_SASL_PASSWORD'];
  if (mechanismRaw !== undefined) {
    const mechanism = MECHANISMS[mechanismRaw.toLowerCase()];
    if (mechanism === undefined) {
      problems.push({ field: 'KAFKA_SASL_MECHANISM', message: `"${mechanismRaw}" is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512` });
    }
    if (username === undefined) problems.push({ field: 'KAFKA_SASL_USERNAME', message: 'required when KAFKA_SASL_MECHANISM is set' });
    if (password === undefined || password === '') problems.push({ field: 'KAFKA_SASL_PASSWORD', message: 'required when KAFKA_SASL_MECHANISM is set' });
    if (mechanism !== undefined && username !== undefined && password !== undefined && password !== '') {
      sasl = Object.freeze({ mechanism, username, password });
    }
  } else if (username !== undefined || (password !== undefined && password !== '')) {
    problems.push({ field: 'KAFKA_SASL_MECHANISM', message: 'required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set' });
  }

  const caFile = get('KAFKA_TLS_CA_FILE');
  const certFile = get('KAFKA_TLS_CERT_FILE');
  const keyFile = get('KAFKA_TLS_KEY_FILE');
  // Naming any TLS file implies TLS; an explicit KAFKA_TLS=false with files is a contradiction.
  const tlsFilesGiven = caFile !== undefined || certFile !== undefined || keyFile !== undefined;
  const tlsOn = bool('KAFKA_TLS', tlsFilesGiven);
  const rejectUnauthorized = bool('KAFKA_TLS_REJECT_UNAUTHORIZED', true);
  if (!tlsOn && tlsFilesGiven) problems.push({ field: 'KAFKA_TLS', message: 'is false but KAFKA_TLS_*_FILE is set' });
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push({ field: certFile === undefined ? 'KAFKA_TLS_CERT_FILE' : 'KAFKA_TLS_KEY_FILE', message: 'client certificate and key must be given together' });
  }
  const tls: KafkaTlsConfig | undefined = tlsOn
    ? Object.freeze({
        rejectUnauthorized,
        ...(caFile === undefined ? {} : { caFile }),
        ...(certFile === undefined ? {} : { certFile }),
        ...(keyFile === undefined ? {} : { keyFile }),
      })
    : undefined;

  const registryUrl = get('SCHEMA_REGISTRY_URL') ?? DEFAULT_SCHEMA_REGISTRY_URL;
  try {
    const parsed = new URL(registryUrl);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      problems.push({ field: 'SCHEMA_REGISTRY_URL', message: `must be http(s), got "${parsed.protocol}"` });
    }
  } catch {
    problems.push({ field: 'SCHEMA_REGISTRY_URL', message: `"${registryUrl}" is not a URL` });
  }
  const registryUser = get('SCHEMA_REGISTRY_USERNAME');
  const registryPassword = env['SCHEMA_REGISTRY_PASSWORD'];
  if ((registryUser === undefined) !== (registryPassword === undefined || registryPassword === '')) {
    problems.push({
      field: registryUser === undefined ? 'SCHEMA_REGISTRY_USERNAME' : 'SCHEMA_REGISTRY_PASSWORD',
      message: 'registry username and password must be given together',
    });
  }

  if (problems.length > 0) {
    throw new SlbError('SLB_CONFIG_INVALID', `invalid bus configuration: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, {
      details: { problems },
    });
  }
  return Object.freeze({
    kafka: Object.freeze({
      brokers: Object.freeze(brokers),
      ...(sasl === undefined ? {} : { sasl }),
      ...(tls === undefined ? {} : { tls }),
    }),
    registry: Object.freeze({
      url: registryUrl,
      ...(registryUser !== undefined && registryPassword !== undefined ? { auth: Object.freeze({ username: registryUser, password: registryPassword }) } : {}),
    }),
  });
}

/**
 * readBusEnv for a role's envToConfig: its problems are added to `problems` (so they are reported
 * with the role's own) and undefined is returned instead of throwing.
 */
export function collectBusEnv(env: Env, problems: ConfigProblem[]): BusEnvConfig | undefined {
  try {
    return readBusEnv(env);
  } catch (error) {
    if (!isSlbError(error, 'SLB_CONFIG_INVALID')) throw error;
    problems.push(...((error.details?.problems as ConfigProblem[] | undefined) ?? [{ field: 'KAFKA_BROKERS', message: error.message }]));
    return undefined;
  }
}
