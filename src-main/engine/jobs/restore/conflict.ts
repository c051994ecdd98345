import { lstat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { errnoCode } from '../../errors/index.js';

export type ConflictMode = 'skip' | 'overwrite' | 'keep-both';
export const CONFLICT_MODES: readonly ConflictMode[] = ['skip', 'overwrite', 'keep-both'];

/** "report.pdf" → "report (restored 2026-11-22 1).pdf", the first name that does not exist yet. */
export async function keepBothName(dir: string, name: string, when: Date): Promise<string> {
  const ext = extname(name);
  const stem = ext && ext !== name ? name.slice(0, -ext.length) : name;
  const day = when.toISOString().slice(0, 10);
  for (let i = 1; ; i++) {
    const candidate = `${stem} (restored ${day}${i > 1 ? ` ${i}` : ''})${ext && ext !== name ? ext : ''}`;
    try {
      await lstat(join(dir, candidate));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return candidate;
      throw e;
    }
  }
}
