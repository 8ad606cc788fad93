/**
 * slbctl against a real proxy (createProxy on the Kafka bus) that requires signed config:
 * an unsigned push is rejected by the proxy and slbctl says so (exit 6); a signed push
 * converges, and the proxy routes with the new config.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { EXIT } from '@slb/slbctl';
import { hits, startProxy, startUpstream, type Upstream } from '../proxy/support.js';
import { uniqueName } from '../support/kafka.js';
import { configFile, serviceConfig, slbctlNamespace } from './support.js';

describe('slbctl with a real proxy', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('is told of an unsigned config the proxy rejects, and sees a signed one converge', async () => {
    const ups: Upstream[] = await Promise.all(['ra', 'rb'].map((id) => startUpstream(id)));
    cleanup.push(() => Promise.all(ups.map((u) => u.close())));
    const ns = await slbctlNamespace('slbctl-proxy');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keyFile = await configFile({}, 'key.pem');
    await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));

    const proxyBus = ns.bus();
    cleanup.push(() => proxyBus.close());
    const proxyId = uniqueName('proxy');
    const { proxy, addr } = await startProxy({ bus: proxyBus, proxyId, configPublicKey: publicKey });
    cleanup.push(() => proxy.close());
    // The proxy has said it is alive (its first config-status) once status lists it.
    await vi.waitFor(async () => {
      const status = await ns.json<{ proxies: { proxyId: string; live: boolean }[] }>(['status']);
      expect(status.proxies).toContainEqual(expect.objectContaining({ proxyId, live: true }));
    }, { timeout: 30_000, interval: 500 });

    const file = await configFile(serviceConfig('shop', ups.map((u) => ({ id: u.id, address: u.address })), { policy: { type: 'ROUND_ROBIN' } }));
    const unsigned = await ns.cli(['config', 'push', file]);
    expect(unsigned.code).toBe(EXIT.REJECTED);
    expect(unsigned.stderr).toContain(`shop@1 was rejected by ${proxyId} (SLB_SERVICE_CONFIG_UNSIGNED`);

    const signed = await ns.cli(['config', 'push', file, '--sign-key', keyFile]);
    expect(signed.code, signed.stderr).toBe(EXIT.OK);
    expect(signed.stdout).toContain('pushed shop@2 (signed), replacing v1');
    expect(signed.stdout).toMatch(/converged on 1 live proxy in \d/);
    expect(proxy.state().status.appliedVersions).toEqual({ shop: 2 });
    expect((await hits(`${addr.url}/shop/x`, 6)).size).toBe(2);

    const status = await ns.json<{ proxies: { proxyId: string; appliedVersions: Record<string, number>; lastRejected: { errorCode: string } | null }[] }>(['status', '--service', 'shop']);
    expect(status.proxies.find((p) => p.proxyId === proxyId)).toMatchObject({ appliedVersions: { shop: 2 }, lastRejected: { errorCode: 'SLB_SERVICE_CONFIG_UNSIGNED' } });
  });
});
