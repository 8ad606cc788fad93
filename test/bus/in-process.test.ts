import { createInProcessBus } from '@slb/core';
import { busBehaviour } from './behaviour.js';

// In standalone mode every role shares one in-process bus; `peer` is the same bus seen by another role.
busBehaviour('in-process', async () => {
  const bus = createInProcessBus();
  return { bus, peer: bus, close: () => bus.close() };
});
