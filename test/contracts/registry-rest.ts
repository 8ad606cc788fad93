/**
 * Plain calls to the Confluent-compatible registry API, for tests that check what the
 * registry itself says (config, compatibility), independent of the codec under test.
 */
const JSON_TYPE = 'application/vnd.schemaregistry.v1+json';

async function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': JSON_TYPE, accept: JSON_TYPE },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

export async function registerSchema(registryUrl: string, subject: string, schema: object): Promise<number> {
  const { status, body } = await call(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`, 'POST', { schema: JSON.stringify(schema) });
  if (status !== 200) throw new Error(`register ${subject}: HTTP ${status} ${JSON.stringify(body)}`);
  return body.id as number;
}

/** Apicurio has no compatibility rule by default (global NONE): tests set one per subject. */
export async function setCompatibility(registryUrl: string, subject: string, level: string): Promise<void> {
  const { status, body } = await call(`${registryUrl}/config/${encodeURIComponent(subject)}`, 'PUT', { compatibility: level });
  if (status !== 200) throw new Error(`set compatibility of ${subject}: HTTP ${status} ${JSON.stringify(body)}`);
}

export async function getCompatibility(registryUrl: string, subject: string): Promise<string> {
  const { status, body } = await call(`${registryUrl}/config/${encodeURIComponent(subject)}`, 'GET');
  if (status !== 200) throw new Error(`get compatibility of ${subject}: HTTP ${status} ${JSON.stringify(body)}`);
  return String(body.compatibilityLevel);
}

/** Asks the registry whether `schema` may follow the latest version of `subject`. */
export async function isCompatible(registryUrl: string, subject: string, schema: object): Promise<{ compatible: boolean; messages: unknown }> {
  const { status, body } = await call(
    `${registryUrl}/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`,
    'POST',
    { schema: JSON.stringify(schema) },
  );
  if (status !== 200) throw new Error(`compatibility of ${subject}: HTTP ${status} ${JSON.stringify(body)}`);
  return { compatible: body.is_compatible === true, messages: body.messages };
}
