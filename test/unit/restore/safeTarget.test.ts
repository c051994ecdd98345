import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SafeTarget } from '../../../src-main/engine/jobs/restore/SafeTarget.js';

describe('SafeTarget.recheckAll (a window\'s folder chains, each folder on the way once)', () => {
  const base = mkdtempSync(join(tmpdir(), 'havre-safetarget-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('passes real folders, creates missing ones, and fails every folder below a link or a file', async () => {
    const outside = join(base, 'outside');
    mkdirSync(outside);
    const root = join(base, 'target');
    mkdirSync(join(root, 'a', 'b', 'c'), { recursive: true });
    symlinkSync(outside, join(root, 'a', 'l'));
    writeFileSync(join(root, 'x'), 'a file where a folder should be');
    const t = await SafeTarget.open(root);
    const v = await t.recheckAll([['a', 'b', 'c'], ['a', 'b'], ['a', 'l', 'z'], ['a', 'l', 'z', 'deeper'], ['x', 'y'], ['m', 'n'], []], 3);
    expect(v.get('a/b/c')).toBe(join(t.root, 'a', 'b', 'c'));
    expect(v.get('a/b')).toBe(join(t.root, 'a', 'b'));
    expect(v.get('')).toBe(t.root);
    for (const bad of ['a/l/z', 'a/l/z/deeper', 'x/y']) expect(v.get(bad)).toMatchObject({ code: 'UNSAFE_PATH' });
    // Missing folders are created, parents first, as real folders.
    expect(v.get('m/n')).toBe(join(t.root, 'm', 'n'));
    expect(lstatSync(join(root, 'm', 'n')).isDirectory()).toBe(true);
    // Nothing was created through the link or beside the file.
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(outside, 'z'))).toBe(false);
  });
});
