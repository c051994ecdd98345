// The many-small-files tree (`--files N`, 1,000,000 with `--preset million`): N files of 32 B–16 KiB
// (log-uniform, about 2.5 KiB on average: 2.4 GiB for a million), in a tree grown at random from a
// workstation's top folders (projects with node_modules, documents by area and year, a mail folder
// with one very wide directory, an app cache fanned out by hash), so depths run from 2 to about 15 and
// most folders hold a few files while a few hold thousands. 70 % of the files are text (slices of a
// seeded text pool), 30 % random bytes. Reproducible from (seed, N); written with sync calls, which
// are the fastest way for Node to make a million small files.
import { closeSync, existsSync, futimesSync, mkdirSync, openSync, readFileSync, rmSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ByteStream, Sfc32 } from './prng.js';
import { document, Vocabulary } from './text.js';

export const MANY_FILES_VERSION = 1;
export const MIN_FILE = 32;
export const MAX_FILE = 16 * 1024;
/** average files per folder, outside the wide one */
const FILES_PER_DIR = 12;
/** share of the files in the one wide folder (a mail archive's cur/) */
const WIDE_SHARE = 0.03;

const ROOTS = ['Projects', 'Documents', 'Mail', 'AppData/Cache', 'Pictures', 'Music', 'Desktop'];
const EXT: Record<string, readonly string[]> = {
  Projects: ['.ts', '.js', '.json', '.md', '.d.ts', '.map'],
  Documents: ['.txt', '.md', '.csv', '.xml', '.odt'],
  Mail: ['.eml'],
  'AppData/Cache': ['.bin', ''],
  Pictures: ['.jpg', '.xmp'],
  Music: ['.mp3', '.txt'],
  Desktop: ['.txt', '.pdf', '.lnk'],
};

export interface ManyFilesPlan {
  seed: string;
  files: number;
  /** every folder, relative, parents before children */
  dirs: string[];
  /** the folder holding WIDE_SHARE of the files */
  wideDir: string;
}

export interface ManyFilesManifest {
  version: number;
  seed: string;
  files: number;
  dirs: number;
  totalBytes: number;
  maxDepth: number;
  wideDir: string;
  wideDirFiles: number;
  generationMs: number;
  /** what the catalog queries look for: folders to list (the wide one first), files to ask versions of,
   *  names to search */
  samples: { dirs: string[]; files: string[]; names: string[] };
}

export interface PlannedFile {
  path: string;
  size: number;
  text: boolean;
}

function rootOf(dir: string): string {
  return ROOTS.find((r) => dir === r || dir.startsWith(`${r}/`)) ?? 'Desktop';
}

/** The folders: pure, from (seed, N). */
export function planManyFiles(seed: string, files: number): ManyFilesPlan {
  if (!Number.isInteger(files) || files < 100) throw new Error(`bench: --files takes an integer of at least 100, got ${files}`);
  const rng = new Sfc32(seed, 'many-files\0dirs');
  const v = new Vocabulary(seed);
  const target = Math.max(ROOTS.length + 1, Math.ceil((files * (1 - WIDE_SHARE)) / FILES_PER_DIR));
  const dirs: string[] = ['AppData', ...ROOTS];
  const used = new Set(dirs);
  const wideDir = 'Mail/Archive 2019-2024/cur';
  for (const d of ['Mail/Archive 2019-2024', wideDir]) {
    dirs.push(d);
    used.add(d);
  }
  const name = (parent: string): string => {
    const r = rootOf(parent);
    if (r === 'AppData/Cache') return rng.next().toString(16).padStart(8, '0').slice(0, 2);
    if (r === 'Pictures') return String(rng.int(2015, 2024));
    if (r === 'Projects' && rng.chance(0.15)) return rng.pick(['src', 'lib', 'dist', 'test', 'node_modules', 'docs', '.git']);
    const w = v.word(rng);
    return rng.chance(0.3) ? `${w.charAt(0).toUpperCase()}${w.slice(1)} ${v.word(rng)}` : rng.chance(0.3) ? `${w}-${v.word(rng)}` : w;
  };
  // random recursive growth: a new folder goes under a random existing one (the wide folder and
  // its parent excepted), which gives logarithmic depths with a long tail
  while (dirs.length < target) {
    const parent = dirs[rng.int(0, dirs.length - 1)] as string;
    if (parent === wideDir || parent === 'AppData') continue;
    const d = `${parent}/${name(parent)}`;
    if (used.has(d)) continue;
    used.add(d);
    dirs.push(d);
  }
  return { seed, files, dirs, wideDir };
}

/** Every file of the tree in order, to `each`: pure, from the plan. Folders get a skewed share (a few
 *  hold many files, most a few); names are unique within a folder. */
export function forEachPlannedFile(plan: ManyFilesPlan, each: (f: PlannedFile) => void): void {
  const rng = new Sfc32(plan.seed, 'many-files\0files');
  const v = new Vocabulary(plan.seed);
  const wide = Math.round(plan.files * WIDE_SHARE);
  const seq = new Map<string, number>();
  // folder popularity: rank k (in a seeded order) gets a share falling as 1/sqrt(k), so the busiest
  // folders hold thousands of files at a million and the median one about ten
  const pool = plan.dirs.filter((d) => d !== plan.wideDir);
  const order = Uint32Array.from(pool.keys());
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  for (let i = 0; i < plan.files; i++) {
    const dir = i < wide ? plan.wideDir : (pool[order[Math.floor(pool.length * rng.float() ** 2)] as number] as string);
    const n = (seq.get(dir) ?? 0) + 1;
    seq.set(dir, n);
    const r = rootOf(dir);
    const ext = rng.pick(EXT[r] ?? ['.txt']);
    const base = dir === plan.wideDir ? `${1546300800 + i * 97}.M${i}P${rng.int(1000, 9999)}.havre-bench` : r === 'Pictures' ? `IMG_${String(n).padStart(5, '0')}` : `${v.word(rng)}${rng.chance(0.3) ? `-${v.word(rng)}` : ''} ${n}`;
    const size = rng.logUniform(MIN_FILE, MAX_FILE);
    each({ path: `${dir}/${base}${ext}`, size, text: rng.chance(0.7) });
  }
}

const MANIFEST = 'many-files.json';
const POOL = 1024 * 1024;

/** The manifest of a tree made earlier with the same (seed, N) and still complete, or null. */
export function loadManyFiles(workDir: string, seed: string, files: number): ManyFilesManifest | null {
  const mf = join(workDir, MANIFEST);
  if (!existsSync(mf)) return null;
  try {
    const m = JSON.parse(readFileSync(mf, 'utf8')) as ManyFilesManifest;
    const root = join(workDir, 'corpus');
    if (m.version !== MANY_FILES_VERSION || m.seed !== seed || m.files !== files) return null;
    return m.samples.files.every((f) => existsSync(join(root, f))) ? m : null;
  } catch {
    return null;
  }
}

/** Writes the tree into <workDir>/corpus and its manifest beside it. */
export function generateManyFiles(workDir: string, seed: string, files: number, progress: (msg: string) => void = () => {}): ManyFilesManifest {
  const t0 = process.hrtime.bigint();
  const root = join(workDir, 'corpus');
  rmSync(root, { recursive: true, force: true });
  rmSync(join(workDir, MANIFEST), { force: true });
  const plan = planManyFiles(seed, files);
  for (const d of plan.dirs) mkdirSync(join(root, d), { recursive: true });
  const v = new Vocabulary(seed);
  const pool = document('note', POOL, v, new Sfc32(seed, 'many-files\0pool'));
  const random = new ByteStream(seed, 'many-files\0random');
  const pick = new Sfc32(seed, 'many-files\0samples');
  const mtime = Date.UTC(2023, 0, 1) / 1000;
  let total = 0;
  let written = 0;
  let wideFiles = 0;
  let maxDepth = 0;
  const sampleFiles: string[] = [];
  const every = Math.max(1, Math.floor(files / 200));
  forEachPlannedFile(plan, (f) => {
    const buf = f.text ? pool.subarray(written % (POOL - MAX_FILE), (written % (POOL - MAX_FILE)) + f.size) : random.take(f.size);
    const fd = openSync(join(root, f.path), 'w');
    try {
      writeSync(fd, buf);
      futimesSync(fd, mtime + written, mtime + written);
    } finally {
      closeSync(fd);
    }
    total += f.size;
    if (f.path.startsWith(`${plan.wideDir}/`)) wideFiles++;
    maxDepth = Math.max(maxDepth, f.path.split('/').length - 1);
    if (written % every === 0) sampleFiles.push(f.path);
    written++;
    if (written % 100_000 === 0) progress(`many-files tree: ${written.toLocaleString('en-US')} of ${files.toLocaleString('en-US')} files`);
  });
  // folders get fixed mtimes too (writing files into them changed theirs), deepest first
  for (const d of [...plan.dirs].reverse()) utimesSync(join(root, d), mtime, mtime);
  const sampleDirs = [plan.wideDir, ...Array.from({ length: 30 }, () => pick.pick(plan.dirs))];
  const names = sampleFiles.slice(0, 5).map((p) => (p.split('/').pop() ?? '').split(/[ .-]/)[0] ?? '').filter(Boolean);
  const m: ManyFilesManifest = {
    version: MANY_FILES_VERSION,
    seed,
    files,
    dirs: plan.dirs.length,
    totalBytes: total,
    maxDepth,
    wideDir: plan.wideDir,
    wideDirFiles: wideFiles,
    generationMs: Number(process.hrtime.bigint() - t0) / 1e6,
    samples: { dirs: [...new Set(sampleDirs)], files: sampleFiles, names: [...new Set([...names, 'havre-bench', 'no such name'])] },
  };
  writeFileSync(join(workDir, MANIFEST), JSON.stringify(m));
  return m;
}
