// The multi-GiB files (`--big-files SIZE`, the size of each): two files as a workstation holds them,
//   - a video export: incompressible (AES-256-CTR keystream),
//   - a virtual machine disk image: 1 MiB blocks, 35 % text (logs, documents), 25 % copies of an
//     earlier block of the same file, 15 % zeros, 25 % random: compressible and partly duplicated.
// Reproducible from (seed, size); written in 16 MiB batches and hashed on the way.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ByteStream, Sfc32 } from './prng.js';
import { document, Vocabulary } from './text.js';
import { rmrf, type TreeListing } from '../lib/fsutil.js';

export const BIG_FILES_VERSION = 1;
const BLOCK = 1024 * 1024;
const BATCH = 16 * BLOCK;

export type BigContent = 'random' | 'mixed';
export const BIG_FILES: readonly { path: string; content: BigContent; text: string }[] = [
  { path: 'Videos/Export/montage-final-4k.mov', content: 'random', text: 'video export: incompressible' },
  { path: 'VMs/Windows 11/disk.vdi', content: 'mixed', text: 'VM disk image: 1 MiB blocks, 35 % text, 25 % repeats of earlier blocks, 15 % zeros, 25 % random' },
];

/** How each 1 MiB block of the mixed file is made: pure, from (seed, blocks). */
export type BlockRecipe = { kind: 'text' } | { kind: 'zeros' } | { kind: 'random' } | { kind: 'copy'; from: number };

export function planMixedBlocks(seed: string, blocks: number): BlockRecipe[] {
  const rng = new Sfc32(seed, 'big-files\0mixed');
  const out: BlockRecipe[] = [];
  for (let i = 0; i < blocks; i++) {
    const u = rng.float();
    if (u < 0.35) out.push({ kind: 'text' });
    else if (u < 0.6 && i > 0) out.push({ kind: 'copy', from: rng.int(0, i - 1) });
    else if (u < 0.75) out.push({ kind: 'zeros' });
    else out.push({ kind: 'random' });
  }
  return out;
}

export interface BigFilesManifest {
  version: number;
  seed: string;
  fileBytes: number;
  files: { path: string; size: number; sha256: string; content: BigContent }[];
  generationMs: number;
}

const MANIFEST = 'big-files.json';

export function bigFilesListing(m: BigFilesManifest): TreeListing {
  const dirs = new Set<string>();
  for (const f of m.files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return { files: m.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })).sort((a, b) => (a.path < b.path ? -1 : 1)), dirs: [...dirs].sort(), others: [] };
}

export async function loadBigFiles(workDir: string, seed: string, fileBytes: number): Promise<BigFilesManifest | null> {
  const mf = join(workDir, MANIFEST);
  if (!existsSync(mf)) return null;
  try {
    const m = JSON.parse(await readFile(mf, 'utf8')) as BigFilesManifest;
    if (m.version !== BIG_FILES_VERSION || m.seed !== seed || m.fileBytes !== fileBytes) return null;
    for (const f of m.files) if ((await stat(join(workDir, 'corpus', f.path))).size !== f.size) return null;
    return m;
  } catch {
    return null;
  }
}

/** Writes the files into <workDir>/corpus and the manifest beside it. */
export async function generateBigFiles(workDir: string, seed: string, fileBytes: number): Promise<BigFilesManifest> {
  const t0 = process.hrtime.bigint();
  const root = join(workDir, 'corpus');
  await rmrf(root);
  await rmrf(join(workDir, MANIFEST));
  const v = new Vocabulary(seed);
  const files: BigFilesManifest['files'] = [];
  for (const spec of BIG_FILES) {
    const abs = join(root, spec.path);
    await mkdir(dirname(abs), { recursive: true });
    const hash = createHash('sha256');
    const stream = new ByteStream(seed, `big-files\0${spec.path}`);
    const fh = await open(abs, 'w+'); // read back: the mixed file repeats its own blocks
    try {
      if (spec.content === 'random') {
        for (let off = 0; off < fileBytes; off += BATCH) {
          const buf = stream.take(Math.min(BATCH, fileBytes - off));
          hash.update(buf);
          await fh.write(buf);
        }
      } else {
        const recipes = planMixedBlocks(seed, Math.ceil(fileBytes / BLOCK));
        const textRng = new Sfc32(seed, `big-files\0text\0${spec.path}`);
        const zeros = Buffer.alloc(BLOCK);
        let batch: Buffer[] = [];
        let inBatch = 0;
        for (const [i, r] of recipes.entries()) {
          const len = Math.min(BLOCK, fileBytes - i * BLOCK);
          let block: Buffer;
          if (r.kind === 'text') block = document(textRng.chance(0.5) ? 'log' : 'note', len, v, textRng);
          else if (r.kind === 'zeros') block = zeros.subarray(0, len);
          else if (r.kind === 'random') block = stream.take(len);
          else {
            // an earlier block of this file, read back (it may sit in a batch not yet written)
            if (batch.length) await fh.write(Buffer.concat(batch));
            batch = [];
            inBatch = 0;
            block = Buffer.alloc(len);
            await fh.read(block, 0, len, r.from * BLOCK);
          }
          hash.update(block);
          batch.push(block);
          inBatch += len;
          if (inBatch >= BATCH) {
            await fh.write(Buffer.concat(batch));
            batch = [];
            inBatch = 0;
          }
        }
        if (batch.length) await fh.write(Buffer.concat(batch));
      }
    } finally {
      await fh.close();
    }
    const t = Date.UTC(2024, 2, 1) / 1000;
    await utimes(abs, t, t);
    files.push({ path: spec.path, size: fileBytes, sha256: hash.digest('hex'), content: spec.content });
  }
  const m: BigFilesManifest = { version: BIG_FILES_VERSION, seed, fileBytes, files, generationMs: Number(process.hrtime.bigint() - t0) / 1e6 };
  await writeFile(join(workDir, MANIFEST), JSON.stringify(m));
  return m;
}
