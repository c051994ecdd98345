import { lstatSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setTimes } from '../../../src-main/engine/jobs/restore/RestoringFile.js';

// Seeded, so a failure names times that can be replayed.
function* nanos(seed: number, n: number): Generator<bigint> {
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const y = (Math.imul(x, 2654435761) >>> 0) % 1_000_000_000;
    yield 1_796_533_354_000_000_000n + BigInt(i % 7) * 86_400_000_000_000n + BigInt(y);
  }
}

describe('restored modification times', () => {
  const dir = mkdtempSync(join(tmpdir(), 'havre-times-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are exact to the microsecond for files (Node takes seconds as a double)', async () => {
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    const wrong: string[] = [];
    for (const ns of nanos(7, 2000)) {
      await setTimes(file, ns.toString(), false);
      const got = statSync(file, { bigint: true }).mtimeNs;
      if (got / 1000n !== ns / 1000n) wrong.push(`${ns} → ${got}`);
    }
    expect(wrong).toEqual([]);
  });

  it('are exact to the microsecond for symlinks, and at the epoch', async () => {
    const link = join(dir, 'l');
    symlinkSync('nowhere', link);
    for (const ns of [...nanos(11, 200), 0n, 999n, 1_000_000_001_999n]) {
      await setTimes(link, ns.toString(), true);
      expect(lstatSync(link, { bigint: true }).mtimeNs / 1000n).toBe(ns / 1000n);
    }
  });
});
