/** Plain views of kafkajs message parts. */
import type { IHeaders } from 'kafkajs';

export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    out[name] = values.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v)).join(',');
  }
  return out;
}
