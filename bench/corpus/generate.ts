// Workstation-like corpus, reproducible from a seed.
//
// Shares of the target size (standard preset: 1 GiB):
//   large    38 %  three files of 100–300 MiB at 1 GiB: a video (incompressible), a mail archive
//                  (.pst-like: 64 KiB blocks, 60 % text, 40 % random) and a .zip (incompressible)
//   media    24 %  photos 1.5–6 MiB, short clips 10–40 MiB, music 3–9 MiB (incompressible stand-ins)
//   docs     20 %  office-like compressible documents 8 KiB–6 MiB: notes, flat XML, CSV, mail, logs
//   small    12 %  thousands of 1–64 KiB files in nested project / cache folders (70 % text)
//   dupes     6 %  exact copies of documents, photos and small files under Desktop/ and Downloads/
// plus a few empty files and empty directories, and names with spaces and accents. Every file's bytes
// depend only on (seed, its path), its mtime is fixed, so two runs with the same seed and size produce
// byte-identical trees.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, open, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ByteStream, Sfc32 } from './prng.js';
import { document, Vocabulary, type DocKind } from './text.js';
import { rmrf } from '../lib/fsutil.js';
import { deflateRatios } from './compressibility.js';
import { GiB, MiB } from '../lib/util.js';

const KiB = 1024;

export const GENERATOR_VERSION = 2;

export type Category = 'large' | 'media' | 'docs' | 'small' | 'dupes' | 'empty';

export interface CorpusFile {
  path: string;
  size: number;
  sha256: string;
  category: Category;
}

export interface CorpusManifest {
  generatorVersion: number;
  seed: string;
  targetBytes: number;
  totalBytes: number;
  files: CorpusFile[];
  /** every directory, relative, including empty ones */
  dirs: string[];
  emptyDirs: string[];
  generationMs: number;
  /** deflate -1 ratio per category (see compressibility.ts) */
  deflateRatio: Record<string, number>;
}

type Content =
  | { type: 'random' }
  | { type: 'doc'; kind: DocKind }
  | { type: 'mixed' } // .pst-like: 64 KiB blocks of text or random
  | { type: 'copy'; from: string };

interface Planned {
  path: string;
  size: number;
  category: Category;
  content: Content;
}

const SHARES: Record<Exclude<Category, 'empty'>, number> = { large: 0.38, media: 0.24, docs: 0.2, small: 0.12, dupes: 0.06 };

const AREAS = ['Finance', 'RH', 'Clients', 'Projets', 'Contrats', 'Réunions', 'Marketing', 'Juridique', 'Achats', 'Qualité'];
const DOC_KINDS: { kind: DocKind; ext: string[]; weight: number }[] = [
  { kind: 'note', ext: ['txt', 'md'], weight: 3 },
  { kind: 'xml', ext: ['xml', 'fodt', 'xhtml'], weight: 3 },
  { kind: 'csv', ext: ['csv'], weight: 2 },
  { kind: 'mail', ext: ['eml', 'html'], weight: 2 },
  { kind: 'log', ext: ['log'], weight: 1 },
];
const ODD_NAMES = ['Compte rendu réunion', 'Présentation client été', 'Budget prévisionnel 2024', 'Ünïcödé 文件 名', 'notes (copie)', 'à lire — urgent'];

function planCorpus(seed: string, target: number, v: Vocabulary): { files: Planned[]; emptyDirs: string[] } {
  const rng = new Sfc32(seed, 'plan');
  const files: Planned[] = [];
  const used = new Set<string>();
  const add = (p: Planned): void => {
    let path = p.path;
    for (let k = 2; used.has(path); k++) path = p.path.replace(/(\.[^./]+)?$/, (ext) => ` (${k})${ext}`);
    used.add(path);
    files.push({ ...p, path });
  };
  const word = (): string => v.word(rng);
  const Word = (): string => {
    const w = v.word(rng);
    return w.charAt(0).toUpperCase() + w.slice(1);
  };
  const budget = (c: keyof typeof SHARES): number => Math.floor(target * SHARES[c]);

  // large files
  const large = budget('large');
  add({ path: 'Videos/Rushes/tournage-2023-06.mp4', size: Math.floor(large * (16 / 38)), category: 'large', content: { type: 'random' } });
  add({ path: 'Mail/Outlook/archive-2022.pst', size: Math.floor(large * (12 / 38)), category: 'large', content: { type: 'mixed' } });
  add({ path: 'Downloads/photos-vacances-2021.zip', size: Math.floor(large * (10 / 38)), category: 'large', content: { type: 'random' } });

  // media
  const mediaBudget = budget('media');
  const fill = (share: number, make: (remaining: number) => Planned): void => {
    let remaining = Math.floor(mediaBudget * share);
    while (remaining > 0) {
      const p = make(remaining);
      p.size = Math.min(p.size, remaining);
      add(p);
      remaining -= p.size;
    }
  };
  let img = 1000 + rng.int(0, 5000);
  fill(0.6, () => ({ path: `Pictures/${rng.int(2019, 2024)}/${pad2(rng.int(1, 12))}/IMG_${img++}.jpg`, size: rng.logUniform(1.5 * MiB, 6 * MiB), category: 'media', content: { type: 'random' } }));
  fill(0.25, () => ({ path: `Videos/${Word()} ${rng.int(2019, 2024)}/clip-${rng.int(1, 99)}.mp4`, size: rng.logUniform(10 * MiB, 40 * MiB), category: 'media', content: { type: 'random' } }));
  fill(0.15, () => ({ path: `Music/${Word()} ${Word()}/${Word()}/${pad2(rng.int(1, 14))} ${word()} ${word()}.mp3`, size: rng.logUniform(3 * MiB, 9 * MiB), category: 'media', content: { type: 'random' } }));

  // office-like documents
  const kindTable = DOC_KINDS.flatMap((k) => Array<(typeof DOC_KINDS)[number]>(k.weight).fill(k));
  let docs = budget('docs');
  let odd = 0;
  while (docs > 0) {
    const k = rng.pick(kindTable);
    const size = Math.min(docs, rng.logUniform(8 * KiB, 6 * MiB));
    const base = odd < ODD_NAMES.length && rng.chance(0.1) ? (ODD_NAMES[odd++] ?? 'doc') : `${word()}-${word()}-${rng.int(1, 99)}`;
    add({ path: `Documents/${rng.pick(AREAS)}/${rng.int(2019, 2024)}/${Word()} ${word()}/${base}.${rng.pick(k.ext)}`, size, category: 'docs', content: { type: 'doc', kind: k.kind } });
    docs -= size;
  }

  // many small files in nested folders: source trees with dependencies, and an app cache
  let small = budget('small');
  const projects = Array.from({ length: Math.max(2, Math.round(target / GiB * 6)) }, () => `Projects/${word()}-${word()}`);
  const dirsFor = (proj: string): string[] => {
    const out = [`${proj}/src`, `${proj}/docs`, `${proj}/test`];
    for (let i = 0; i < 12; i++) out.push(`${proj}/src/${word()}/${word()}${rng.chance(0.5) ? `/${word()}` : ''}`);
    for (let i = 0; i < 20; i++) out.push(`${proj}/node_modules/${word()}${rng.chance(0.3) ? `-${word()}` : ''}/${rng.pick(['lib', 'dist', 'src'])}${rng.chance(0.5) ? `/${word()}` : ''}`);
    return out;
  };
  const codeDirs = projects.flatMap(dirsFor);
  while (small > 0) {
    const size = Math.min(small, rng.logUniform(1 * KiB, 64 * KiB));
    if (rng.chance(0.7)) {
      const json = rng.chance(0.15);
      add({ path: `${rng.pick(codeDirs)}/${word()}${json ? '.json' : rng.pick(['.ts', '.js', '.md'])}`, size, category: 'small', content: { type: 'doc', kind: json ? 'json' : 'code' } });
    } else {
      const h = createHash('sha1').update(`${rng.next()}`).digest('hex');
      add({ path: `AppData/Cache/${h.slice(0, 2)}/${h.slice(2, 4)}/${h.slice(4, 20)}.bin`, size, category: 'small', content: { type: 'random' } });
    }
    small -= size;
  }

  // exact duplicates of existing (non-large) files
  const candidates = files.filter((f) => f.category !== 'large');
  let dupes = budget('dupes');
  let guard = 0;
  while (dupes > 0 && guard++ < 100_000) {
    const src = rng.pick(candidates);
    if (dupes < 64 * KiB) break;
    if (src.size > dupes) continue;
    const name = src.path.split('/').pop() ?? 'file';
    const dest = rng.chance(0.5) ? `Desktop/Ancien/${name}` : `Downloads/${rng.chance(0.5) ? 'copie de ' : ''}${name}`;
    add({ path: dest, size: src.size, category: 'dupes', content: { type: 'copy', from: src.path } });
    dupes -= src.size;
  }

  // empty files and empty directories
  for (const proj of projects.slice(0, 4)) add({ path: `${proj}/.gitkeep`, size: 0, category: 'empty', content: { type: 'random' } });
  add({ path: 'Documents/vide.txt', size: 0, category: 'empty', content: { type: 'random' } });
  const emptyDirs = ['Documents/Archives/Vide', 'Downloads/Temp', `${projects[0] ?? 'Projects/x'}/build`];
  return { files, emptyDirs };
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const BLOCK = 16 * MiB;

async function writeContent(root: string, f: Planned, seed: string, v: Vocabulary, written: Map<string, string>): Promise<string> {
  const abs = join(root, f.path);
  await mkdir(dirname(abs), { recursive: true });
  const c = f.content;
  if (c.type === 'copy') {
    await copyFile(join(root, c.from), abs);
    const h = written.get(c.from);
    if (!h) throw new Error(`corpus: copy source not written yet: ${c.from}`);
    return h;
  }
  const hash = createHash('sha256');
  const fh = await open(abs, 'w');
  try {
    if (c.type === 'doc') {
      const buf = document(c.kind, f.size, v, new Sfc32(seed, `doc\0${f.path}`));
      hash.update(buf);
      await fh.write(buf);
    } else if (c.type === 'random') {
      const stream = new ByteStream(seed, f.path);
      for (let off = 0; off < f.size; off += BLOCK) {
        const buf = stream.take(Math.min(BLOCK, f.size - off));
        hash.update(buf);
        await fh.write(buf);
      }
    } else {
      // mixed: 64 KiB blocks, 60 % text, 40 % random, written in 16 MiB batches
      const rng = new Sfc32(seed, `mixed\0${f.path}`);
      const stream = new ByteStream(seed, f.path);
      const B = 64 * KiB;
      for (let off = 0; off < f.size; ) {
        const batch: Buffer[] = [];
        let n = 0;
        while (n < BLOCK && off + n < f.size) {
          const len = Math.min(B, f.size - off - n);
          batch.push(rng.chance(0.6) ? document(rng.chance(0.5) ? 'mail' : 'note', len, v, rng) : stream.take(len));
          n += len;
        }
        const buf = Buffer.concat(batch);
        hash.update(buf);
        await fh.write(buf);
        off += n;
      }
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

const MANIFEST = 'corpus.json';

/** Reads the manifest next to the corpus if it matches (seed, size, generator) and the files are there. */
export async function loadCorpus(workDir: string, seed: string, target: number): Promise<CorpusManifest | null> {
  const mf = join(workDir, MANIFEST);
  if (!existsSync(mf)) return null;
  try {
    const m = JSON.parse(await readFile(mf, 'utf8')) as CorpusManifest;
    if (m.generatorVersion !== GENERATOR_VERSION || m.seed !== seed || m.targetBytes !== target) return null;
    const root = join(workDir, 'corpus');
    for (const f of m.files) {
      const st = await stat(join(root, f.path));
      if (st.size !== f.size) return null;
    }
    return m;
  } catch {
    return null;
  }
}

/** Generates the corpus into <workDir>/corpus and writes <workDir>/corpus.json. */
export async function generateCorpus(workDir: string, seed: string, target: number, progress: (msg: string) => void = () => {}): Promise<CorpusManifest> {
  const t0 = process.hrtime.bigint();
  const root = join(workDir, 'corpus');
  await rmrf(root);
  await rmrf(join(workDir, MANIFEST));
  await mkdir(root, { recursive: true });
  const v = new Vocabulary(seed);
  const { files, emptyDirs } = planCorpus(seed, target, v);
  const written = new Map<string, string>();
  const out: CorpusFile[] = [];
  let done = 0;
  let nextReport = 0.25;
  const total = files.reduce((a, f) => a + f.size, 0);
  for (const f of files) {
    const sha256 = await writeContent(root, f, seed, v, written);
    written.set(f.path, sha256);
    out.push({ path: f.path, size: f.size, sha256, category: f.category });
    done += f.size;
    if (done / total >= nextReport) {
      progress(`corpus ${Math.round((done / total) * 100)} %`);
      nextReport += 0.25;
    }
  }
  for (const d of emptyDirs) await mkdir(join(root, d), { recursive: true });
  // fixed mtimes: files and directories, deepest first
  const mt = new Sfc32(seed, 'mtimes');
  const base = Date.UTC(2021, 0, 1) / 1000;
  for (const f of out) {
    const t = base + mt.int(0, 4 * 365 * 86_400);
    await utimes(join(root, f.path), t, t);
  }
  const dirSet = new Set<string>(emptyDirs);
  for (const f of out) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirSet.add(parts.slice(0, i).join('/'));
  }
  for (const d of emptyDirs) {
    const parts = d.split('/');
    for (let i = 1; i < parts.length; i++) dirSet.add(parts.slice(0, i).join('/'));
  }
  const dirs = [...dirSet].sort();
  for (const d of [...dirs].sort((a, b) => b.split('/').length - a.split('/').length)) {
    const t = base + mt.int(0, 4 * 365 * 86_400);
    await utimes(join(root, d), t, t);
  }
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const manifest: CorpusManifest = {
    generatorVersion: GENERATOR_VERSION,
    seed,
    targetBytes: target,
    totalBytes: total,
    files: out,
    dirs,
    emptyDirs,
    generationMs: 0,
    deflateRatio: {},
  };
  manifest.generationMs = Number(process.hrtime.bigint() - t0) / 1e6;
  progress('measuring corpus compressibility (sampled deflate -1)…');
  manifest.deflateRatio = await deflateRatios(root, manifest);
  await writeFile(join(workDir, MANIFEST), JSON.stringify(manifest));
  return manifest;
}

export interface CategoryStats {
  category: Category;
  files: number;
  bytes: number;
}

export function categoryStats(m: CorpusManifest): CategoryStats[] {
  const order: Category[] = ['large', 'media', 'docs', 'small', 'dupes', 'empty'];
  return order.map((category) => {
    const fs = m.files.filter((f) => f.category === category);
    return { category, files: fs.length, bytes: fs.reduce((a, f) => a + f.size, 0) };
  });
}
