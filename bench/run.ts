// Benchmark harness: Havre against restic and borg on a generated workstation-like corpus.
//
//   npm run bench -- [--size 1G | --preset small] [--tools havre,havre-appliance,havre-s3,restic,restic-s3,borg]
//                    [--work DIR] [--keep] [--seed S] [--runs N] [--out DIR] [--skip-limits]
//                    [--s3-backend bluestore|memstore] [--report-from FILE]
//
// Each tool gets its own fresh repository (the S3 tools: a fresh bucket on one local radosgw
// started for the whole run); steps are interleaved (every tool's init, then every tool's full
// backup, no-op backup, restore), the page cache is dropped before each step when permitted, every
// restore is verified file by file (SHA-256), and docs/BENCHMARKS.md, docs/benchmarks.svg and
// docs/benchmarks.json are written from what was measured.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { categoryStats, generateCorpus, loadCorpus, type CorpusManifest } from './corpus/generate.js';
import { diffTrees, describeDiff, diskUsage, dropCaches, hashTree, rmrf, syncAll, type DiskUsage, type TreeListing } from './lib/fsutil.js';
import { failureLine, killCurrent, POLL_MS, succeeded, type ProcResult } from './lib/proc.js';
import { S3_BACKENDS, S3Server, type S3Backend, type S3ServerInfo } from './lib/s3server.js';
import { GiB, MiB, fmtBytes, log, mibPerSec, parseSize, repoRoot, sizeLabel } from './lib/util.js';
import { measureLimits, type Limits } from './limits.js';
import { machineInfo } from './machine.js';
import { writeReport } from './report.js';
import { RESULTS_SCHEMA, STEPS, type BenchResults, type StepMeasure, type StepName, type ToolResult } from './results.js';
import { createRunner } from './tools/index.js';
import { ALL_TOOLS, isS3Tool, type BucketUsage, type ToolName, type ToolRunner } from './tools/types.js';

const PRESETS: Record<string, number> = { small: 64 * MiB, standard: 1 * GiB };
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
  /** the command line that repeats this run */
  command: string;
}

const USAGE = `usage: npm run bench -- [options]
  --size SIZE          corpus size, e.g. 256M, 1G (default 1G, the 'standard' preset)
  --preset NAME        small (64 MiB, CI smoke run) | standard (1 GiB)
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
        const s = PRESETS[p];
        if (s === undefined) throw new Error(`bench: unknown preset "${p}" (small, standard)`);
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
  cmd.push(o.preset === 'small' ? '--preset small' : `--size ${sizeLabel(o.size)}`);
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

/** Finds where a restore put the copy of the source tree. */
function locateRestored(target: string, source: string, hint: string | null, m: CorpusManifest): string | null {
  const probe = m.files.find((f) => f.size > 0)?.path ?? m.files[0]?.path;
  const candidates = [hint, join(target, source), join(target, source.replace(/^\/+/, '')), join(target, 'corpus'), target].filter((c): c is string => !!c);
  for (const c of candidates) if (probe && existsSync(join(c, probe))) return c;
  return null;
}

/** serverCpuMs: the local S3 server's CPU during the step (S3 tools), kept out of "other load". */
function measureOf(r: ProcResult, syncMs: number, coldCache: boolean, corpusBytes: number, throughput: boolean, serverCpuMs?: number): StepMeasure {
  const ok = succeeded(r);
  const totalMs = r.wallMs + syncMs;
  const otherCpuMs = Math.max(0, r.machineBusyMs - r.cpuMs - (serverCpuMs ?? 0));
  return {
    status: ok ? 'ok' : 'failed',
    reason: ok ? undefined : failureLine(r),
    command: r.command,
    exitCode: r.exitCode,
    processMs: r.wallMs,
    syncMs,
    totalMs,
    mibPerSec: ok && throughput ? mibPerSec(corpusBytes, totalMs) : undefined,
    peakRssBytes: r.peakRssBytes,
    rssSamples: r.rssSamples,
    cpuMs: r.cpuMs,
    otherCpuMs,
    otherLoad: r.wallMs > 0 ? otherCpuMs / r.wallMs : undefined,
    serverCpuMs,
    loadAvgAtStart: r.loadAvgAtStart,
    coldCache,
    stdoutTail: ok ? undefined : r.stdoutTail.slice(-2000),
    stderrTail: ok ? undefined : r.stderrTail.slice(-2000),
  };
}

/** One result per tool from several runs: per step, the run with the median time (any failure wins),
 *  with the spread of the successful runs; repository sizes from the last run; every run kept raw. */
function aggregate(runs: ToolResult[]): ToolResult | undefined {
  const last = runs[runs.length - 1];
  if (!last || runs.length === 1) return last;
  const steps = { ...last.steps };
  for (const st of STEPS) {
    const ms = runs.map((r) => r.steps[st]);
    const failed = ms.find((m) => m.status === 'failed');
    const okMs = ms.filter((m) => m.status === 'ok' && m.totalMs !== undefined).sort((a, b) => (a.totalMs ?? 0) - (b.totalMs ?? 0));
    if (failed) steps[st] = { ...failed, reason: `${failed.reason ?? '?'} (in ${ms.filter((m) => m.status === 'failed').length} of ${ms.length} runs)` };
    else if (okMs.length) {
      const median = okMs[Math.floor((okMs.length - 1) / 2)] as StepMeasure;
      steps[st] = { ...median, spread: { n: okMs.length, minMs: okMs[0]?.totalMs ?? 0, maxMs: okMs[okMs.length - 1]?.totalMs ?? 0 } };
    }
  }
  return { ...last, steps, allRuns: runs.map((r) => r.steps) };
}

function fmtMs(ms: number | undefined): string {
  return ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`;
}

async function main(): Promise<void> {
  const root = repoRoot();
  const o = parseArgs(process.argv.slice(2), root);

  if (o.reportFrom) {
    const results = JSON.parse(await readFile(o.reportFrom, 'utf8')) as BenchResults;
    await writeReport(results, o.out, { writeJson: false });
    log(`report rewritten in ${o.out}`);
    return;
  }

  const started = process.hrtime.bigint();
  const date = new Date().toISOString();
  const ours = ['corpus', 'corpus.json', 'repos', 'restore', 'state', 'limits', 's3'];
  let s3: S3Server | undefined;
  const cleanup = async (): Promise<void> => {
    await s3?.stop({ keep: o.keep });
    if (o.keep) return;
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
  log(`work folder ${o.work}; corpus ${sizeLabel(o.size)} (${o.preset}), seed ${o.seed}; tools ${o.tools.join(', ')}`);

  // corpus
  let manifest = await loadCorpus(o.work, o.seed, o.size);
  const reused = manifest !== null;
  if (manifest) log(`reusing the corpus kept in ${o.work}`);
  else {
    log('generating the corpus…');
    manifest = await generateCorpus(o.work, o.seed, o.size, log);
    log(`corpus: ${manifest.files.length} files, ${(manifest.totalBytes / MiB).toFixed(1)} MiB in ${fmtMs(manifest.generationMs)}`);
  }
  const corpusDir = join(o.work, 'corpus');
  const expected = expectedListing(manifest);
  const corpusBytes = manifest.totalBytes;

  // limits
  let limits: Limits | null = null;
  if (!o.skipLimits) {
    log('measuring machine limits (crypto, disk)…');
    limits = await measureLimits(join(o.work, 'limits'), GiB);
    await rmrf(join(o.work, 'limits'));
  }

  // runners: one cycle (fresh repositories, state and restore targets) per --runs
  const password = 'havre-bench-password-not-secret';
  const timeoutMs = Math.max(20 * 60_000, Math.ceil(o.size / GiB) * 60 * 60_000);
  const toolVersions: Partial<Record<ToolName, string | null>> = {};
  const perTool = new Map<ToolName, ToolResult[]>(o.tools.map((t) => [t, []]));
  const buildWarning = o.tools.some((t) => t.startsWith('havre')) ? havreBuildWarning(root) : undefined;
  if (buildWarning) log(`warning: ${buildWarning}`);
  let allCold = true;

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
  }
  const repoUsage = async (runner: ToolRunner): Promise<DiskUsage | BucketUsage | undefined> => {
    if (!runner.repoUsage) return diskUsage(runner.repoDir());
    return runner.repoUsage().catch((e: unknown) => {
      log(`${runner.name}: bucket size not measured: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    });
  };

  for (let run = 1; run <= o.runs && !interrupted; run++) {
    if (o.runs > 1) log(`— run ${run} of ${o.runs} —`);
    const runners = new Map<ToolName, ToolRunner>();
    const results = new Map<ToolName, ToolResult>();
    for (const name of o.tools) {
      const previous = perTool.get(name) ?? [];
      if (previous.length && !previous[0]?.available) continue; // not available in run 1: do not retry
      const stateDir = join(o.work, 'state', name);
      await rmrf(stateDir);
      await rmrf(join(o.work, 'repos', name));
      await rmrf(join(o.work, 'restore', name));
      await mkdir(stateDir, { recursive: true });
      await mkdir(join(o.work, 'repos'), { recursive: true });
      const runner = createRunner(name, { stateDir, root, password, timeoutMs, s3 });
      runners.set(name, runner);
      if (!(name in toolVersions)) toolVersions[name] = await runner.version();
      const skipped: StepMeasure = { status: 'skipped' };
      results.set(name, {
        tool: name,
        version: toolVersions[name] ?? null,
        available: true,
        settings: runner.settings,
        steps: { init: { ...skipped }, backup: { ...skipped }, noop: { ...skipped }, restore: { ...skipped } },
      });
    }

    const runStep = async (step: StepName, fn: (r: ToolRunner, res: ToolResult) => Promise<void>): Promise<void> => {
      for (const name of o.tools) {
        const runner = runners.get(name);
        const res = results.get(name);
        if (!runner || !res || !res.available) continue;
        if (interrupted) return;
        await fn(runner, res);
        const m = res.steps[step];
        const status =
          m.status === 'ok'
            ? `${fmtMs(m.totalMs)}${m.mibPerSec !== undefined ? `, ${m.mibPerSec.toFixed(1)} MiB/s` : ''}, CPU ${fmtMs(m.cpuMs)}, peak RSS ${((m.peakRssBytes ?? 0) / MiB).toFixed(0)} MiB, other load ${(m.otherLoad ?? 0).toFixed(2)} CPUs${m.serverCpuMs !== undefined ? `, S3 server CPU ${fmtMs(m.serverCpuMs)}` : ''}`
            : `${m.status}: ${m.reason ?? ''}`;
        log(`${step.padEnd(7)} ${name.padEnd(15)} ${status}`);
      }
    };
    const measured = async (step: StepName, res: ToolResult, throughput: boolean, go: () => Promise<ProcResult>): Promise<StepMeasure> => {
      const cold = await dropCaches();
      if (!cold) allCold = false;
      const server = isS3Tool(res.tool) ? s3 : undefined;
      const cpu0 = server?.cpuMs();
      const r = await go();
      const cpu1 = server?.cpuMs();
      const syncMs = syncAll();
      const m = measureOf(r, syncMs, cold, corpusBytes, throughput, cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined);
      res.steps[step] = m;
      return m;
    };

    await runStep('init', async (runner, res) => {
      const m = await measured('init', res, false, () => runner.init(join(o.work, 'repos', runner.name)));
      if (m.status !== 'ok') {
        res.available = false;
        res.unavailableReason = m.reason ?? 'init failed';
        m.status = 'unavailable';
        for (const st of ['backup', 'noop', 'restore'] as const) res.steps[st] = { status: 'unavailable', reason: res.unavailableReason };
      }
    });
    await runStep('backup', async (runner, res) => {
      const m = await measured('backup', res, true, () => runner.backup(corpusDir));
      res.repoAfterBackup = await repoUsage(runner);
      if (m.status !== 'ok') {
        for (const st of ['noop', 'restore'] as const) res.steps[st] = { status: 'skipped', reason: 'full backup failed' };
      }
    });
    await runStep('noop', async (runner, res) => {
      if (res.steps.backup.status !== 'ok') return;
      await measured('noop', res, true, () => runner.noopBackup(corpusDir));
      res.repoAfterNoop = await repoUsage(runner);
    });
    await runStep('restore', async (runner, res) => {
      if (res.steps.backup.status !== 'ok') return;
      const target = join(o.work, 'restore', runner.name);
      await rmrf(target);
      await mkdir(target, { recursive: true });
      const m = await measured('restore', res, true, () => runner.restore(target));
      if (m.status !== 'ok') return;
      const t0 = process.hrtime.bigint();
      const where = locateRestored(target, corpusDir, runner.restoredRoot(target, corpusDir), manifest);
      let verify: NonNullable<StepMeasure['verify']>;
      if (!where) {
        verify = { ok: false, detail: `restored tree not found under the target (looked for ${manifest.files[0]?.path ?? '?'})`, restoredRoot: null, ms: 0 };
      } else {
        const diff = diffTrees(expected, await hashTree(where));
        verify = { ok: diff.ok, detail: describeDiff(diff), restoredRoot: where.slice(target.length) || '/', ms: 0 };
      }
      verify.ms = Number(process.hrtime.bigint() - t0) / 1e6;
      m.verify = verify;
      if (!verify.ok) {
        m.status = 'failed';
        m.reason = `restored tree differs from the source: ${verify.detail}`;
        m.mibPerSec = undefined;
      }
    });

    for (const runner of runners.values()) await runner.close?.();
    for (const res of results.values()) {
      if (res.available) res.stateAfterRun = await diskUsage(join(o.work, 'state', res.tool));
      perTool.get(res.tool)?.push(res);
    }
  }
  const finalResults = o.tools.map((t) => aggregate(perTool.get(t) ?? [])).filter((r): r is ToolResult => !!r);
  const s3Server: S3ServerInfo | undefined = s3 ? await s3.stop({ keep: o.keep }) : undefined;

  const bench: BenchResults = {
    schema: RESULTS_SCHEMA,
    date,
    command: o.command,
    durationMs: Number(process.hrtime.bigint() - started) / 1e6,
    machine: machineInfo(o.work, root),
    toolVersions,
    coldCache: allCold,
    rssMethod: `peak of the process tree's resident memory: /proc polled every ${POLL_MS} ms, max(Σ VmRSS over the tree, largest per-process VmHWM)`,
    cpuMethod: 'user + system time of the process tree from /proc/<pid>/stat (sampled with the RSS); other load = busy time of all CPUs in /proc/stat (steal included) minus that, divided by the wall time',
    timeMethod: 'wall time from spawn to exit (process.hrtime), plus the `sync` that follows so that writeback a tool leaves to the kernel is counted; page cache dropped before each step',
    corpus: {
      preset: o.preset,
      seed: o.seed,
      targetBytes: o.size,
      totalBytes: corpusBytes,
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
    tools: finalResults,
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
