// The batching both ends of a backup worker use: one postMessage per turn, order and transfers kept.
import { describe, expect, it } from 'vitest';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MessageBatch } from '../../../src-main/engine/jobs/shared/MessageBatch.js';

describe('MessageBatch', () => {
  it('sends what one turn queued as one array, in order, with every transfer', async () => {
    const sent: { msgs: number[]; transfer: ArrayBuffer[] }[] = [];
    const batch = new MessageBatch<number>((msgs, transfer) => sent.push({ msgs, transfer }));
    const a = new ArrayBuffer(1);
    const b = new ArrayBuffer(2);
    batch.push(1, [a]);
    batch.push(2);
    await Promise.resolve();
    batch.push(3, [b]); // a microtask later is still this turn
    expect(sent).toEqual([]);
    await nextTurn();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.msgs).toEqual([1, 2, 3]);
    expect(sent[0]!.transfer[0]).toBe(a);
    expect(sent[0]!.transfer[1]).toBe(b);
    batch.push(4);
    await nextTurn();
    expect(sent.map((s) => s.msgs)).toEqual([[1, 2, 3], [4]]);
  });

  it('flush sends at once, and an empty turn sends nothing', async () => {
    const sent: number[][] = [];
    const batch = new MessageBatch<number>((msgs) => sent.push(msgs));
    batch.push(1);
    batch.flush();
    expect(sent).toEqual([[1]]);
    await nextTurn();
    expect(sent).toEqual([[1]]);
  });
});
