import { busBehaviour } from './behaviour.js';
import { kafkaNamespace } from './kafka-fixture.js';

// The same behaviour as the in-process bus, on the real broker and registry; `peer` is a second
// client (another process's view) on the same namespace.
busBehaviour('kafka', async () => {
  const ns = await kafkaNamespace('bus-behaviour');
  const bus = ns.bus();
  const peer = ns.bus({ clientId: 'bus-behaviour-peer' });
  return {
    bus,
    peer,
    close: async () => {
      await Promise.all([bus.close(), peer.close()]);
    },
  };
});
