// A chunk worker's small-file read: whole when the size holds, null (then streamed) when the file
// grew since its lstat, short when it shrank, and never stuck on a FIFO put in a file's place.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWhole } from '../../../src-main/engine/jobs/backup/readWhole.js';

const dir = mkdtempSync(join(tmpdir(), 'havre-readwhole-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readWhole', () => {
  const file = join(dir, 'f');
  const bytes = Buffer.from('0123456789abcdef');
  writeFileSync(file, bytes);

  it('reads the file whole when its size is what lstat said', () => {
    expect(readWhole(file, bytes.length)?.equals(bytes)).toBe(true);
  });

  it('gives null when the file is larger than said (it grew: the caller streams it)', () => {
    expect(readWhole(file, bytes.length - 1)).toBeNull();
    expect(readWhole(file, 0)).toBeNull();
  });

  it('reads what is there when the file is smaller than said (it shrank)', () => {
    expect(readWhole(file, 1000)?.equals(bytes)).toBe(true);
  });

  it('reads an empty file as empty', () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    expect(readWhole(empty, 0)?.length).toBe(0);
  });

  it('throws with the errno for a missing file or a folder', () => {
    expect(() => readWhole(join(dir, 'missing'), 10)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => readWhole(dir, 10)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });

  it.skipIf(process.platform === 'win32')('fails at once on a FIFO without a writer instead of hanging the worker', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Positioned reads fail on a pipe: the file is reported unreadable, as a file swapped mid-backup should be.
    expect(() => readWhole(fifo, 10)).toThrow(expect.objectContaining({ code: 'ESPIPE' }));
  });
});
