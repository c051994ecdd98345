// The bandwidth limit, measured on a virtual clock: no wall-clock assertion, so never flaky.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Throttle, type Clock } from '../../../src-main/engine/net/index.js';

function virtualClock(): Clock & { t: number; sleeps: number[] } {
  const c = {
    t: 0,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}

const KiB = 1024;

describe('Throttle (token bucket)', () => {
  it('lets one burst through at once, then holds the rate exactly', async () => {
    const clock = virtualClock();
    const t = new Throttle(100 * KiB, clock);
    expect(t.burst).toBe(100 * KiB);
    await t.take(100 * KiB);
    expect(clock.t).toBe(0);
    await t.take(50 * KiB);
    expect(clock.t).toBe(500);
    await t.take(1000 * KiB);
    expect(clock.t).toBe(10_500);
  });

  it('refills with elapsed time and never saves up more than one burst', async () => {
    const clock = virtualClock();
    const t = new Throttle(64 * KiB, clock);
    await t.take(64 * KiB);
    clock.t += 60_000; // a minute idle
    await t.take(64 * KiB);
    expect(clock.sleeps).toEqual([]);
    await t.take(32 * KiB);
    expect(clock.t - 60_000).toBe(500); // waits are cut into short steps, 500 ms in all
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(200);
  });

  it('serves concurrent takers in order and shares the rate between them', async () => {
    const clock = virtualClock();
    const t = new Throttle(16 * KiB, clock);
    const done: string[] = [];
    await Promise.all([
      t.take(32 * KiB).then(() => done.push('a')),
      t.take(16 * KiB).then(() => done.push('b')),
      t.take(16 * KiB).then(() => done.push('c')),
    ]);
    expect(done).toEqual(['a', 'b', 'c']);
    expect(clock.t).toBe(3000); // 64 KiB at 16 KiB/s, the first 16 KiB free
  });

  it('as a stream: the same bytes, in order, at the rate', async () => {
    const clock = virtualClock();
    const t = new Throttle(64 * KiB, clock);
    const input = Buffer.alloc(256 * KiB);
    for (let i = 0; i < input.length; i++) input[i] = (i * 31) & 0xff;
    const out: Buffer[] = [];
    await pipeline(Readable.from([input.subarray(0, 100_000), input.subarray(100_000)]), t.transform(), new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }));
    expect(Buffer.concat(out).equals(input)).toBe(true);
    expect(clock.t).toBe(3000); // (256 − 64) KiB at 64 KiB/s
    expect(Math.max(...out.map((b) => b.length))).toBeLessThanOrEqual(16 * KiB);
  });

  it('applies a new rate at once, to a transfer already waiting', async () => {
    const clock = virtualClock();
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      await new Promise((r) => setImmediate(r)); // a real turn of the event loop per wait
      await sleep(ms);
    };
    const t = new Throttle(1 * KiB, clock);
    await t.take(16 * KiB); // the first burst (one slice) is free
    const slow = t.take(64 * KiB); // 64 s at 1 KiB/s
    await new Promise((r) => setImmediate(r));
    t.setRate(0); // no limit any more
    await slow;
    expect(clock.t).toBeLessThanOrEqual(400);
    t.setRate(32 * KiB);
    expect(t.burst).toBe(32 * KiB);
    const before = clock.t;
    await t.take(32 * KiB + 64 * KiB); // a fresh burst would be free; the rest costs 2 s
    expect(clock.t - before).toBeGreaterThanOrEqual(2000);
    expect(clock.t - before).toBeLessThan(3100);
  });

  it('an unlimited throttle lets everything through until a rate is set, then limits at once', async () => {
    const clock = virtualClock();
    const t = Throttle.unlimited(clock);
    await t.take(64 * 1024 * 1024);
    expect(clock.t).toBe(0);
    t.setRate(64 * KiB);
    const before = clock.t;
    await t.take(64 * KiB + 128 * KiB);
    expect(clock.t - before).toBeGreaterThanOrEqual(2000);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new Throttle(0)).toThrow(RangeError);
    expect(() => new Throttle(-5)).toThrow(RangeError);
    expect(() => new Throttle(Number.NaN)).toThrow(RangeError);
  });
});
