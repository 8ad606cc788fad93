import { SlbError } from '../errors/index.js';
import type { EventCodec, RegistryCodecOptions } from './codec.js';

/** An EventCodec backed by a Confluent-compatible schema registry (Apicurio ccompat). */
export function createRegistryCodec(options: RegistryCodecOptions): EventCodec {
  void options;
  const notYet = (): never => {
    throw new SlbError('SLB_REGISTRY_UNREACHABLE', 'registry codec not implemented yet');
  };
  return { encode: async () => notYet(), decode: async () => notYet() };
}
