/**
 * The key of what concerns the whole fleet rather than one service: the fleet-wide config on
 * config-updates, and fleet-wide alerts (consumer lag). Its own module so pure code can import it
 * (`@slb/core/keys`) without the core barrel.
 */
export const GLOBAL_SERVICE_ID = '_global';
