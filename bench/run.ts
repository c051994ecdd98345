// Benchmark harness: Havre against restic and borg on a generated workstation-like corpus.
//
//   npm run bench -- [--size 1G | --preset small] [--tools havre,havre-appliance,havre-s3,restic,restic-s3,borg]
//                    [--big-files SIZE] [--work DIR] [--keep] [--seed S] [--runs N] [--out DIR]
//                    [--skip-limits] [--s3-backend bluestore|memstore] [--report-from FILE]
//   npm run bench -- --preset million | --files N     (the many-files series alone)
//
// Each tool gets its own fresh repository (the S3 tools: a fresh bucket on one local radosgw
// started for the whole run); steps are interleaved (every tool's init, then every tool's full
// backup, no-op backup; then 1 % of the files change and every tool makes an incremental backup,
// then restores it), the page cache is dropped before each step when permitted, every restore is
// verified file by file (SHA-256). Then the multi-GiB files, backed up and restored by the fs tools.
// docs/BENCHMARKS.md, docs/benchmarks.svg and docs/benchmarks.json are written from what was
// measured; the many-files series writes docs/benchmarks-million.json, which the report includes.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BIG_FILES, bigFilesListing, generateBigFiles, loadBigFiles } from './corpus/bigFiles.js';
import { categoryStats, generateCorpus, loadCorpus, type CorpusManifest } from './corpus/generate.js';
import { applyMutation, planMutation, undoMutation, type MutationSummary } from './corpus/mutate.js';
import { rmrf, type TreeListing } from './lib/fsutil.js';
import { killCurrent, POLL_MS } from './lib/proc.js';
import { S3_BACKENDS, S3Server, type S3Backend, type S3ServerInfo } from './lib/s3server.js';
import { GiB, MiB, fmtBytes, log, parseSize, repoRoot, sizeLabel } from './lib/util.js';
import { measureLimits, type Limits } from './limits.js';
import { machineInfo } from './machine.js';
import { MILLION, MANY_FILES_SCHEMA, type ManyFilesResults } from './million/results.js';
import { MANY_FILES_TOOLS, runManyFiles } from './million/run.js';
import { writeReport } from './report.js';
import { normalizeResults, RESULTS_SCHEMA, type BenchResults, type BigFilesResults } from './results.js';
import { fmtMs, runSeries, type SeriesEnv } from './series.js';
import { ALL_TOOLS, isS3Tool, type ToolName } from './tools/types.js';

const PRESETS: Record<string, number> = { small: 64 * MiB, standard: 1 * GiB };
/** --big-files: size of each of the two multi-GiB files, by preset (0 turns the series off) */
const BIG_FILES_DEFAULT: Record<string, number> = { small: 64 * MiB, standard: 1.5 * GiB };
/** the share of the corpus's files the incremental series changes */
const CHANGED_FRACTION = 0.01;
const DEFAULT_SEED = '1';
const DEFAULT_S3_BACKEND: S3Backend = 'bluestore';

interface Options {
  preset: string;
  size: number;
  tools: ToolName[];
  work: string;
  keep: boolean;
  seed: string;
  out: string;
  skipLimits: boolean;
  runs: number;
  reportFrom: string | null;
  s3Backend: S3Backend;
  /** bytes of each multi-GiB file; 0: no such series; null: the preset's default */
  bigFiles: number | null;
  /** the many-files series alone, with this many files */
  files: number | null;
  /** the command line that repeats this run */
  command: string;
}

const USAGE = `usage: npm run bench -- [options]
  --size SIZE          corpus size, e.g. 256M, 1G (default 1G, the 'standard' preset)
  --preset NAME        small (64 MiB, CI smoke run) | standard (1 GiB) | million (--files 1000000)
  --big-files SIZE     size of each of the two multi-GiB files backed up and restored by the fs tools
                       (default 1.5G; 64M with --preset small); 0 leaves them out
  --files N            the many-files series alone: a tree of N small files, full and no-op backups by
                       havre, restic, borg, then the restore browser's queries on Havre's repository;
                       writes benchmarks-million.json (and BENCHMARKS.md if benchmarks.json is there)
  --tools LIST         comma-separated subset of ${ALL_TOOLS.join(',')} (default: all)
  --work DIR           work folder (default bench/.work); removed at the end unless --keep
  --keep               keep corpus, repositories and restores (a kept corpus is reused next run)
  --seed S             corpus seed (default ${DEFAULT_SEED})
  --out DIR            where BENCHMARKS.md, benchmarks.svg and benchmarks.json go (default docs)
  --runs N             repeat every tool's cycle N times on fresh repositories; report the median
  --skip-limits        do not measure the machine's crypto and disk limits
  --s3-backend NAME    object store of the local radosgw the S3 tools use: bluestore (default: a
                       sparse file in the work folder) | memstore (the OSD's RAM, ~2x the data)
  --report-from FILE   only rewrite the report from an existing benchmarks.json
`;

function parseArgs(argv: string[], root: string): Options {
  const o: Options = {
    preset: 'standard',
    size: PRESETS.standard ?? GiB,
    tools: [...ALL_TOOLS],
    work: join(root, 'bench', '.work'),
    keep: false,
    seed: DEFAULT_SEED,
    out: join(root, 'docs'),
    skipLimits: false,
    runs: 1,
    reportFrom: null,
    s3Backend: DEFAULT_S3_BACKEND,
    bigFiles: null,
    files: null,
    command: '',
  };
  const cmd: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`bench: ${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--size': {
        o.size = parseSize(value());
        o.preset = o.size === PRESETS.small ? 'small' : o.size === PRESETS.standard ? 'standard' : 'custom';
        break;
      }
      case '--preset': {
        const p = value();
        if (p === 'million') {
          o.files = MILLION;
          break;
        }
        const s = PRESETS[p];
        if (s === undefined) throw new Error(`bench: unknown preset "${p}" (small, standard, million)`);
        o.preset = p;
        o.size = s;
        break;
      }
      case '--tools': {
        const list = value().split(',').map((t) => t.trim()).filter(Boolean);
        for (const t of list) if (!(ALL_TOOLS as readonly string[]).includes(t)) throw new Error(`bench: unknown tool "${t}" (${ALL_TOOLS.join(', ')})`);
        o.tools = [...new Set(list)] as ToolName[];
        if (o.tools.length === 0) throw new Error('bench: --tools is empty');
        break;
      }
      case '--work':
        o.work = resolve(value());
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--seed':
        o.seed = value();
        break;
      case '--out':
        o.out = resolve(value());
        break;
      case '--skip-limits':
        o.skipLimits = true;
        break;
      case '--runs': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 20) throw new Error('bench: --runs takes an integer from 1 to 20');
        o.runs = n;
        break;
      }
      case '--s3-backend': {
        const b = value();
        if (!(S3_BACKENDS as readonly string[]).includes(b)) throw new Error(`bench: --s3-backend takes ${S3_BACKENDS.join(' or ')}`);
        o.s3Backend = b as S3Backend;
        break;
      }
      case '--big-files':
        o.bigFiles = parseSize(value());
        break;
      case '--files': {
        const n = Number(value().replace(/_/g, ''));
        if (!Number.isInteger(n) || n < 100 || n > 10 * MILLION) throw new Error('bench: --files takes an integer from 100 to 10000000');
        o.files = n;
        break;
      }
      case '--report-from':
        o.reportFrom = resolve(value());
        break;
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`bench: unknown option "${a}"\n${USAGE}`);
    }
  }
  if (o.files !== null && !o.tools.some((t) => MANY_FILES_TOOLS.includes(t))) throw new Error(`bench: the many-files series runs ${MANY_FILES_TOOLS.join(', ')}: put at least one of them in --tools`);
  if (o.files !== null) cmd.push(o.files === MILLION ? '--preset million' : `--files ${o.files}`);
  else cmd.push(o.preset === 'small' ? '--preset small' : `--size ${sizeLabel(o.size)}`);
  o.bigFiles ??= BIG_FILES_DEFAULT[o.preset] ?? BIG_FILES_DEFAULT.standard ?? 0;
  if (o.files === null && o.bigFiles !== (BIG_FILES_DEFAULT[o.preset] ?? BIG_FILES_DEFAULT.standard)) cmd.push(`--big-files ${o.bigFiles === 0 ? '0' : sizeLabel(o.bigFiles)}`);
  if (o.tools.join(',') !== ALL_TOOLS.join(',')) cmd.push(`--tools ${o.tools.join(',')}`);
  if (o.seed !== DEFAULT_SEED) cmd.push(`--seed ${o.seed}`);
  if (o.runs !== 1) cmd.push(`--runs ${o.runs}`);
  if (o.skipLimits) cmd.push('--skip-limits');
  if (o.s3Backend !== DEFAULT_S3_BACKEND && o.tools.some(isS3Tool)) cmd.push(`--s3-backend ${o.s3Backend}`);
  o.command = `npm run bench -- ${cmd.join(' ')}`;
  return o;
}

/** Newest mtime under a directory (files only), 0 if absent. */
function newestMtime(dir: string, ext: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(ext)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

function havreBuildWarning(root: string): string | undefined {
  const src = newestMtime(join(root, 'src-main'), '.ts');
  const built = newestMtime(join(root, 'dist', 'src-main'), '.js');
  if (!built) return undefined; // not built: the init step reports it
  if (src > built + 1000) return 'dist/src-main is older than src-main/: the Havre figures may come from a stale build (run `npm run build`).';
  return undefined;
}

function expectedListing(m: CorpusManifest): TreeListing {
  return { files: m.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })), dirs: [...m.dirs], others: [] };
}

/** --files N: the many-files series alone; its results go beside benchmarks.json. */
async function manyFilesMain(o: Options, env: SeriesEnv, files: number, date: string, started: bigint): Promise<void> {
  const run = await runManyFiles(env, { files, seed: o.seed, tools: o.tools });
  if (env.interrupted()) return;
  const { samples: _samples, version: _version, ...tree } = run.manifest;
  const results: ManyFilesResults = {
    schema: MANY_FILES_SCHEMA,
    date,
    command: o.command,
    durationMs: Number(process.hrtime.bigint() - started) / 1e6,
    machine: machineInfo(o.work, env.root),
    toolVersions: env.toolVersions,
    coldCache: env.cold.all,
    tree: { ...tree, reused: run.reused },
    tools: run.tools,
    queries: run.queries,
    queriesError: run.queriesError,
  };
  await mkdir(o.out, { recursive: true });
  await writeFile(join(o.out, 'benchmarks-million.json'), JSON.stringify(results, null, 2) + '\n');
  const main = join(o.out, 'benchmarks.json');
  if (existsSync(main)) {
    await writeReport(normalizeResults(JSON.parse(await readFile(main, 'utf8')) as BenchResults), o.out, { writeJson: false });
    log(`written: ${join(o.out, 'benchmarks-million.json')}; BENCHMARKS.md rewritten with it`);
  } else log(`written: ${join(o.out, 'benchmarks-million.json')} (BENCHMARKS.md shows it after the next run writing benchmarks.json there)`);
}

async function main(): Promise<void> {
  const root = repoRoot();
  const o = parseArgs(process.argv.slice(2), root);

  if (o.reportFrom) {
    const results = normalizeResults(JSON.parse(await readFile(o.reportFrom, 'utf8')) as BenchResults);
    await writeReport(results, o.out, { writeJson: false });
    log(`report rewritten in ${o.out}`);
    return;
  }

  const started = process.hrtime.bigint();
  const date = new Date().toISOString();
  // what this run made in the work folder (a many-files run leaves a kept main corpus alone)
  const ours = o.files !== null ? ['million'] : ['corpus', 'corpus.json', 'mutation-undo', 'repos', 'restore', 'state', 'limits', 's3', 'big'];
  const corpusDir = join(o.work, 'corpus');
  const undoDir = join(o.work, 'mutation-undo');
  let s3: S3Server | undefined;
  const cleanup = async (): Promise<void> => {
    await s3?.stop({ keep: o.keep });
    if (o.keep) {
      await undoMutation(corpusDir, undoDir).catch(() => undefined); // a kept corpus stays the generated one
      return;
    }
    for (const d of ours) await rmrf(join(o.work, d));
    try {
      if ((await readdir(o.work)).length === 0) await rmdir(o.work);
    } catch {
      // not empty or already gone
    }
  };
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: stopping the running tool and cleaning up');
    killCurrent();
    void cleanup().finally(() => process.exit(130));
  });

  await mkdir(o.work, { recursive: true });
  const password = 'havre-bench-password-not-secret';
  const env: SeriesEnv = {
    root,
    work: o.work,
    password,
    timeoutMs: Math.max(20 * 60_000, Math.ceil(Math.max(o.size, 2 * (o.bigFiles ?? 0)) / GiB) * 60 * 60_000),
    runs: o.runs,
    interrupted: () => interrupted,
    toolVersions: {},
    keepRestores: o.keep,
    cold: { all: true },
  };

  if (o.files !== null) {
    log(`work folder ${o.work}; many-files series: ${o.files.toLocaleString('en-US')} files, seed ${o.seed}; tools ${MANY_FILES_TOOLS.filter((t) => o.tools.includes(t)).join(', ')}`);
    env.timeoutMs = Math.max(env.timeoutMs, Math.ceil(o.files / 100_000) * 30 * 60_000);
    await manyFilesMain(o, env, o.files, date, started);
    if (!interrupted) await cleanup();
    return;
  }
  log(`work folder ${o.work}; corpus ${sizeLabel(o.size)} (${o.preset}), seed ${o.seed}; tools ${o.tools.join(', ')}`);

  // corpus (a change left by a killed run is undone first, so a kept corpus is the generated one)
  if (await undoMutation(corpusDir, undoDir)) log('undid the 1 % change a previous run left in the corpus');
  let manifest = await loadCorpus(o.work, o.seed, o.size);
  const reused = manifest !== null;
  if (manifest) log(`reusing the corpus kept in ${o.work}`);
  else {
    log('generating the corpus…');
    manifest = await generateCorpus(o.work, o.seed, o.size, log);
    log(`corpus: ${manifest.files.length} files, ${(manifest.totalBytes / MiB).toFixed(1)} MiB in ${fmtMs(manifest.generationMs)}`);
  }
  const original = { listing: expectedListing(manifest), bytes: manifest.totalBytes };
  let tree = original;

  // limits
  let limits: Limits | null = null;
  if (!o.skipLimits) {
    log('measuring machine limits (crypto, disk)…');
    limits = await measureLimits(join(o.work, 'limits'), GiB);
    await rmrf(join(o.work, 'limits'));
  }

  const buildWarning = o.tools.some((t) => t.startsWith('havre')) ? havreBuildWarning(root) : undefined;
  if (buildWarning) log(`warning: ${buildWarning}`);

  // One local S3 server (Ceph radosgw) for the whole run when an S3 tool is in --tools, started
  // before any step and unmeasured; a failure makes the S3 tools "not available" at their init.
  const s3Tools = o.tools.filter(isS3Tool).length;
  if (s3Tools) {
    const capacityBytes = Math.max(16 * GiB, Math.ceil((o.size * s3Tools * o.runs * 2) / GiB) * GiB);
    s3 = new S3Server({ root, base: join(o.work, 's3'), backend: o.s3Backend, capacityBytes });
    log(`starting the local S3 server (Ceph radosgw, ${o.s3Backend}, ${fmtBytes(capacityBytes)})…`);
    try {
      log(`S3 server ready at ${await s3.start()} in ${fmtMs(s3.info.startMs)}`);
    } catch (e) {
      log(`S3 server not available: ${e instanceof Error ? e.message : String(e)}`);
    }
    env.s3 = s3;
  }

  // the main series: full, no-op, then the same seeded 1 % change for every tool, incremental, restore
  const plan = planMutation(manifest.files, o.seed, CHANGED_FRACTION);
  let mutation: MutationSummary | undefined;
  const tools = await runSeries(env, {
    name: '',
    tools: o.tools,
    corpusDir,
    steps: ['init', 'backup', 'noop', 'incremental', 'restore'],
    tree: () => tree,
    beforeStep: async (step) => {
      if (step !== 'incremental') return;
      const applied = await applyMutation(corpusDir, plan, original.listing, undoDir);
      tree = { listing: applied.listing, bytes: applied.summary.bytesAfter };
      mutation = applied.summary;
      const c = mutation.counts;
      log(`changed ${plan.steps.length} files (${c.rewrite} rewritten, ${c.append} appended to, ${c.create} new, ${c.delete} deleted; ${fmtBytes(mutation.bytesWritten)} written)`);
    },
    afterRun: async () => {
      await undoMutation(corpusDir, undoDir);
      tree = original;
    },
  });

  // the multi-GiB files, by the fs tools
  let bigFiles: BigFilesResults | undefined;
  const bigTools = MANY_FILES_TOOLS.filter((t) => o.tools.includes(t));
  if ((o.bigFiles ?? 0) > 0 && bigTools.length && !interrupted) {
    const size = o.bigFiles ?? 0;
    const dir = join(o.work, 'big');
    let m = await loadBigFiles(dir, o.seed, size);
    if (m) log(`reusing the multi-GiB files kept in ${dir}`);
    else {
      log(`generating ${BIG_FILES.length} files of ${fmtBytes(size)}…`);
      m = await generateBigFiles(dir, o.seed, size);
      log(`multi-GiB files written in ${fmtMs(m.generationMs)}`);
    }
    const listing = bigFilesListing(m);
    const bytes = m.files.reduce((a, f) => a + f.size, 0);
    const bigResults = await runSeries(env, { name: 'big', tools: bigTools, corpusDir: join(dir, 'corpus'), steps: ['init', 'backup', 'restore'], tree: () => ({ listing, bytes }) });
    bigFiles = {
      files: m.files.map((f) => ({ path: f.path, size: f.size, content: BIG_FILES.find((b) => b.path === f.path)?.text ?? f.content })),
      totalBytes: bytes,
      generationMs: m.generationMs,
      tools: bigResults,
    };
  }
  const s3Server: S3ServerInfo | undefined = s3 ? await s3.stop({ keep: o.keep }) : undefined;

  const bench: BenchResults = {
    schema: RESULTS_SCHEMA,
    date,
    command: o.command,
    durationMs: Number(process.hrtime.bigint() - started) / 1e6,
    machine: machineInfo(o.work, root),
    toolVersions: env.toolVersions,
    coldCache: env.cold.all,
    rssMethod: `peak of the process tree's resident memory: /proc polled every ${POLL_MS} ms, max(Σ VmRSS over the tree, largest per-process VmHWM)`,
    cpuMethod: 'user + system time of the process tree from /proc/<pid>/stat (sampled with the RSS); other load = busy time of all CPUs in /proc/stat (steal included) minus that, divided by the wall time',
    timeMethod: 'wall time from spawn to exit (process.hrtime), plus the `sync` that follows so that writeback a tool leaves to the kernel is counted; page cache dropped before each step',
    corpus: {
      preset: o.preset,
      seed: o.seed,
      targetBytes: o.size,
      totalBytes: manifest.totalBytes,
      files: manifest.files.length,
      dirs: manifest.dirs.length,
      emptyDirs: manifest.emptyDirs.length,
      categories: categoryStats(manifest),
      deflateRatio: manifest.deflateRatio,
      generationMs: manifest.generationMs,
      reused,
    },
    limits,
    runs: o.runs,
    tools,
    mutation,
    bigFiles,
    s3Server,
    havreBuildWarning: buildWarning,
  };
  if (interrupted) return;
  await writeReport(bench, o.out, { writeJson: true });
  log(`report written: ${join(o.out, 'BENCHMARKS.md')}, benchmarks.svg, benchmarks.json`);
  await cleanup();
  if (!o.keep) log('work folder cleaned up (use --keep to keep it)');
}

main().catch((e: unknown) => {
  const msg = e instanceof Error ? (e.message.startsWith('bench:') ? e.message : (e.stack ?? e.message)) : String(e);
  process.stderr.write(`${msg}\n`);
  if (!(e instanceof Error && e.message.startsWith('bench:'))) process.stderr.write('(the work folder is left in place for inspection)\n');
  process.exit(1);
});
