// How compressible the corpus is, per category: zlib deflate level 1 over a deterministic sample
// (256 KiB pieces every 4 MiB of each file, every 4th file of the many-small-files categories),
// compressed / original. A yardstick for the repository sizes, not what any tool does.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type { CorpusManifest } from './generate.js';

const PIECE = 256 * 1024;
const STRIDE = 4 * 1024 * 1024;

export async function deflateRatios(root: string, m: CorpusManifest): Promise<Record<string, number>> {
  const acc = new Map<string, { in: number; out: number; n: number }>();
  const buf = Buffer.allocUnsafe(PIECE);
  for (const f of m.files) {
    if (f.size === 0) continue;
    const a = acc.get(f.category) ?? { in: 0, out: 0, n: 0 };
    acc.set(f.category, a);
    if ((f.category === 'small' || f.category === 'dupes') && a.n++ % 4 !== 0) continue;
    const fh = await open(join(root, f.path), 'r');
    try {
      for (let off = 0; off < f.size; off += STRIDE) {
        const { bytesRead } = await fh.read(buf, 0, PIECE, off);
        if (bytesRead === 0) break;
        a.in += bytesRead;
        a.out += deflateRawSync(buf.subarray(0, bytesRead), { level: 1 }).length;
      }
    } finally {
      await fh.close();
    }
  }
  const out: Record<string, number> = {};
  let tin = 0;
  let tout = 0;
  const bytes = new Map<string, number>();
  for (const f of m.files) bytes.set(f.category, (bytes.get(f.category) ?? 0) + f.size);
  for (const [k, v] of acc) {
    if (!v.in) continue;
    out[k] = v.out / v.in;
    // weight each category by its real size, not its sample size
    const b = bytes.get(k) ?? 0;
    tin += b;
    tout += b * (v.out / v.in);
  }
  out.all = tin ? tout / tin : 1;
  return out;
}
