import { channel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { UnansweredTries, originOf } from './unanswered-tries.js';

const create = channel('undici:request:create');
const headers = channel('undici:request:headers');
const error = channel('undici:request:error');

/** A stand-in for undici's Request: what the channels carry. */
const req = (origin: string) => ({ origin, aborted: false, completed: false });

describe('unanswered tries per instance, from undici diagnostics channels', () => {
  let now = 0;
  const tries = new UnansweredTries(() => now);
  afterEach(() => tries.stop());

  it('counts a try from its creation to its response headers, and records the time to headers', () => {
    now = 1_000;
    tries.start();
    tries.watch(['127.0.0.1:8080', '127.0.0.1:8081']);
    const a = req('http://127.0.0.1:8080');
    const b = req('http://127.0.0.1:8080');
    create.publish({ request: a });
    now = 1_010;
    create.publish({ request: b });
    create.publish({ request: req('http://127.0.0.1:9999') }); // no instance of ours
    now = 1_300;
    expect(tries.activity('i0', '127.0.0.1:8080', now)).toEqual({ id: 'i0', unanswered: 2, oldestUnansweredMs: 300, sinceAnswerMs: Infinity, typicalMs: undefined, samples: 0 });
    headers.publish({ request: a, response: { statusCode: 200 } });
    now = 1_350;
    expect(tries.activity('i0', '127.0.0.1:8080', now, 0.99)).toEqual({ id: 'i0', unanswered: 1, oldestUnansweredMs: 340, sinceAnswerMs: 50, typicalMs: 300, samples: 1 });
    error.publish({ request: b, error: new Error('aborted') });
    expect(tries.activity('i0', '127.0.0.1:8080', now)).toMatchObject({ unanswered: 0, oldestUnansweredMs: 0 });
    expect(tries.activity('i1', '127.0.0.1:8081', now)).toMatchObject({ unanswered: 0, sinceAnswerMs: Infinity });
  });

  it('drops a request that ended without a message, and forgets addresses no longer watched', () => {
    now = 0;
    tries.start();
    tries.watch(['10.0.0.1:80']);
    const r = req(originOf('10.0.0.1:80'));
    create.publish({ request: r });
    expect(tries.activity('x', '10.0.0.1:80', 100).unanswered).toBe(1);
    r.completed = true;
    expect(tries.activity('x', '10.0.0.1:80', 100).unanswered).toBe(0);
    create.publish({ request: req(originOf('10.0.0.1:80')) });
    tries.watch([]);
    expect(tries.activity('x', '10.0.0.1:80', 100).unanswered).toBe(0);
  });

  it('subscribes to the channels only while started and watching some address', () => {
    expect(create.hasSubscribers).toBe(false);
    tries.start();
    expect(create.hasSubscribers).toBe(false);
    tries.watch(['10.0.0.1:80']);
    expect([create.hasSubscribers, headers.hasSubscribers, error.hasSubscribers]).toEqual([true, true, true]);
    tries.watch([]);
    expect([create.hasSubscribers, headers.hasSubscribers, error.hasSubscribers]).toEqual([false, false, false]);
    tries.watch(['10.0.0.1:80']);
    tries.stop();
    expect(create.hasSubscribers).toBe(false);
  });

  it('matches the origin undici gives the pool (default port dropped, IPv6 bracketed)', () => {
    expect(originOf('10.0.0.1:80')).toBe('http://10.0.0.1');
    expect(originOf('[::1]:8080')).toBe('http://[::1]:8080');
    expect(originOf('Shop.Example:8080')).toBe('http://shop.example:8080');
  });

  it('hears nothing once stopped', () => {
    tries.start();
    tries.watch(['127.0.0.1:1']);
    tries.stop();
    create.publish({ request: req('http://127.0.0.1:1') });
    tries.start();
    tries.watch(['127.0.0.1:1']);
    expect(tries.activity('x', '127.0.0.1:1', 0).unanswered).toBe(0);
  });
});
