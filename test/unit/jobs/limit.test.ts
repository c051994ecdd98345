// The semaphore the backup walk and the restore share: at most n at once, waiters in the order
// asked for, and producers held back (without polling) while too many tasks wait.
import { describe, expect, it } from 'vitest';
import { Limit } from '../../../src-main/engine/jobs/shared/limit.js';

/** A task that runs until `release` is called. */
function gate(): { wait: Promise<void>; release: () => void } {
  let release!: () => void;
  const wait = new Promise<void>((r) => (release = r));
  return { wait, release };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Limit', () => {
  it('runs at most n at once and serves waiters first in, first out by default', async () => {
    const limit = new Limit(2);
    const order: number[] = [];
    let running = 0;
    let most = 0;
    const gates = [0, 1, 2, 3, 4].map(() => gate());
    const runs = gates.map((g, i) => limit.run(async () => {
      running++;
      most = Math.max(most, running);
      order.push(i);
      await g.wait;
      running--;
    }));
    await tick();
    expect(order).toEqual([0, 1]);
    expect(limit.waiting).toBe(3);
    for (const g of gates) {
      g.release();
      await tick();
    }
    await Promise.all(runs);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('lifo serves the newest waiter first (a walk then goes depth first)', async () => {
    const limit = new Limit(1, 'lifo');
    const order: number[] = [];
    const first = gate();
    const runs = [limit.run(async () => {
      order.push(0);
      await first.wait;
    })];
    for (const i of [1, 2, 3]) runs.push(limit.run(async () => void order.push(i)));
    await tick();
    first.release();
    await Promise.all(runs);
    expect(order).toEqual([0, 3, 2, 1]);
  });

  it('fewerWaiting holds a producer until the queue is short enough, and wakes no more producers than there is room for', async () => {
    const limit = new Limit(1);
    const gates = [0, 1, 2, 3].map(() => gate());
    const runs = gates.map((g) => limit.run(() => g.wait));
    await tick();
    expect(limit.waiting).toBe(3);
    expect(await Promise.race([limit.fewerWaiting(4).then(() => 'free'), tick().then(() => 'held')])).toBe('free');
    const woken: string[] = [];
    const a = limit.fewerWaiting(3).then(() => void woken.push('a'));
    const b = limit.fewerWaiting(3).then(() => void woken.push('b'));
    await tick();
    expect(woken).toEqual([]); // 3 waiting: not fewer than 3
    gates[0]!.release(); // one starts, 2 wait: room for one producer
    await tick();
    expect(woken).toEqual(['a']);
    gates[1]!.release();
    await tick();
    expect(woken).toEqual(['a', 'b']);
    for (const g of gates) g.release();
    await Promise.all([...runs, a, b]);
  });
});
