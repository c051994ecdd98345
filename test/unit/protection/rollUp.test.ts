import { describe, expect, it } from 'vitest';
import type { SnapshotRow } from '../../../src-main/engine/catalog/index.js';
import { rollUp } from '../../../src-main/engine/protection/index.js';

const snap = (id: string, time: string, tags: string[] = ['continuous']): SnapshotRow =>
  ({ id, time, tree: 't', paths: ['/d'], hostname: 'pc', username: 'ana', tags, parent: null, summary: {} });

describe('rollUp: the snapshot list people read', () => {
  it('keeps manual snapshots, and the last continuous snapshot of each hour standing for the others', () => {
    const rows = [
      snap('a', '2026-12-07T09:05:00Z'), snap('b', '2026-12-07T09:40:00Z'), snap('c', '2026-12-07T09:59:59Z'),
      snap('m', '2026-12-07T10:01:00Z', []),
      snap('d', '2026-12-07T10:02:00Z'), snap('e', '2026-12-07T10:30:00Z'),
      snap('f', '2026-12-07T12:00:00Z'),
    ];
    expect(rollUp(rows).map((r) => [r.row.id, r.hidden])).toEqual([['c', 2], ['m', 0], ['e', 1], ['f', 0]]);
    expect(rollUp([])).toEqual([]);
  });
});
