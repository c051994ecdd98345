import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { PackEntry } from '../../../src-main/engine/catalog/index.js';

/** A fresh temporary folder and its cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'havre-catalog-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A deterministic 32-byte id. */
export function id(n: number | string): Buffer {
  return createHash('sha256').update(String(n)).digest();
}

export function hex(n: number | string): string {
  return id(n).toString('hex');
}

export function entry(n: number | string, offset: number, over: Partial<PackEntry> = {}): PackEntry {
  return { id: id(n), type: 0, codec: 1, offset, storedLength: 1000 + offset, rawLength: 2000 + offset, ...over };
}
