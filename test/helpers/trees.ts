import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface EntryFacts {
  readonly type: 'file' | 'dir' | 'symlink';
  readonly mode: number;
  readonly size?: number;
  readonly sha256?: string;
  readonly target?: string;
  readonly mtimeMs?: number;
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 8 << 20 })) h.update(c as Buffer);
  return h.digest('hex');
}

/** Every entry below `root`, keyed by relative path, with the facts a restore must reproduce. */
export async function describeTree(root: string): Promise<Map<string, EntryFacts>> {
  const out = new Map<string, EntryFacts>();
  async function walk(rel: string): Promise<void> {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = join(root, r);
      const st = lstatSync(p);
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) out.set(r, { type: 'symlink', mode: 0, target: readlinkSync(p) });
      else if (st.isDirectory()) {
        out.set(r, { type: 'dir', mode });
        await walk(r);
      } else out.set(r, { type: 'file', mode, size: st.size, sha256: await sha256(p), mtimeMs: Math.floor(st.mtimeMs) });
    }
  }
  await walk('');
  return out;
}
