import { describe, expect, it } from 'vitest';
import { Gate } from '../../../src-main/engine/store/s3/Gate.js';

describe('Gate (requests in flight)', () => {
  it('runs at most N at once, in arrival order, and frees slots on failure', async () => {
    const gate = new Gate(2);
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const task = (i: number) => () =>
      new Promise<number>((resolve, reject) => {
        started.push(i);
        inFlight++;
        peak = Math.max(peak, inFlight);
        releases[i] = () => {
          inFlight--;
          if (i === 1) reject(new Error('boom'));
          else resolve(i);
        };
      });
    const runs = [0, 1, 2, 3, 4].map((i) => gate.run(task(i)));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    releases[1]!();
    await expect(runs[1]).rejects.toThrow('boom');
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    for (const i of [0, 2, 3, 4]) {
      await new Promise((r) => setImmediate(r));
      releases[i]!();
    }
    expect(await Promise.all([runs[0], runs[2], runs[3], runs[4]])).toEqual([0, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('refuses a limit below 1', () => {
    expect(() => new Gate(0)).toThrow(RangeError);
  });
});
