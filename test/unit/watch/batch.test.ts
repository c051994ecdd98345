import { describe, expect, it } from 'vitest';
import { ChangeBatch, mergeKind } from '../../../src-main/engine/watch/batch.js';
import type { ChangeKind, FileChange } from '../../../src-main/engine/watch/types.js';

describe('mergeKind: one change per path and batch', () => {
  const table: [ChangeKind, ChangeKind, ChangeKind][] = [
    ['create', 'create', 'create'],
    ['create', 'update', 'create'], // written right after it was created
    ['create', 'delete', 'delete'], // a temporary file: gone, a hint the consumer checks
    ['update', 'update', 'update'],
    ['update', 'create', 'create'], // the create reported late (the twin, or the walk of a new folder)
    ['update', 'delete', 'delete'],
    ['delete', 'create', 'update'], // replaced: parcel's own rule
    ['delete', 'update', 'update'],
    ['delete', 'delete', 'delete'],
  ];
  for (const [prev, next, want] of table) it(`${prev} then ${next} is ${want}`, () => expect(mergeKind(prev, next)).toBe(want));
});

describe('ChangeBatch', () => {
  it('hands out each path once per window, merged, and nothing after clear()', async () => {
    const got: FileChange[][] = [];
    const b = new ChangeBatch(5, (c) => got.push(c));
    b.add('/r/a', 'create');
    b.add('/r/a', 'update');
    b.add('/r/b', 'delete');
    b.add('/r/a', 'create'); // the twin's copy
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toEqual([[{ path: '/r/a', kind: 'create' }, { path: '/r/b', kind: 'delete' }]]);
    b.add('/r/c', 'update');
    b.clear();
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toHaveLength(1);
  });

  it('flush() delivers at once and an empty batch delivers nothing', () => {
    const got: FileChange[][] = [];
    const b = new ChangeBatch(60_000, (c) => got.push(c));
    b.flush();
    b.add('/r/x', 'update');
    b.flush();
    expect(got).toEqual([[{ path: '/r/x', kind: 'update' }]]);
  });
});
