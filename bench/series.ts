// One series of measured steps on one corpus, for a set of tools: fresh repositories per run, steps
// interleaved (every tool's init, then every tool's full backup, …), page cache dropped before each
// step when permitted, every restore verified file by file. The main run, the multi-GiB files and
// the million-file tree are each a series with its own corpus, tools and steps.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeDiff, diffTrees, diskUsage, dropCaches, hashTree, rmrf, syncAll, type DiskUsage, type TreeListing } from './lib/fsutil.js';
import { failureLine, succeeded, type ProcResult } from './lib/proc.js';
import type { S3Server } from './lib/s3server.js';
import { log, MiB, mibPerSec } from './lib/util.js';
import { notRun, STEPS, type StepMeasure, type StepName, type ToolResult } from './results.js';
import { createRunner } from './tools/index.js';
import { isS3Tool, type BucketUsage, type ToolName, type ToolRunner } from './tools/types.js';

/** What every series of a run shares. */
export interface SeriesEnv {
  root: string;
  work: string;
  password: string;
  timeoutMs: number;
  s3?: S3Server;
  runs: number;
  interrupted: () => boolean;
  /** filled on first use, shared by the series */
  toolVersions: Partial<Record<ToolName, string | null>>;
  /** --keep: leave the restored trees in place (else each is removed once verified) */
  keepRestores: boolean;
  /** cleared when a step could not drop the page cache */
  cold: { all: boolean };
}

export interface SeriesSpec {
  /** subfolder of the work folder for repositories, state and restores ('' for the main series) */
  name: string;
  tools: readonly ToolName[];
  corpusDir: string;
  /** the steps run, in order (a subset of STEPS; 'init' and 'backup' always) */
  steps: readonly StepName[];
  /** the tree a restore must equal, and its size (the throughput's numerator), when the step runs */
  tree: () => { listing: TreeListing; bytes: number };
  /** before a step, once per run (the seeded change before 'incremental') */
  beforeStep?: (step: StepName) => Promise<void>;
  /** after every step of a run, before the runners close (undo the change, query a repository) */
  afterRun?: (results: ReadonlyMap<ToolName, ToolResult>, dirsOf: (tool: ToolName) => { stateDir: string; repoDir: string }) => Promise<void>;
}

/** Finds where a restore put the copy of the source tree. */
export function locateRestored(target: string, source: string, hint: string | null, listing: TreeListing): string | null {
  const probe = listing.files.find((f) => f.size > 0)?.path ?? listing.files[0]?.path;
  const candidates = [hint, join(target, source), join(target, source.replace(/^\/+/, '')), join(target, 'corpus'), target].filter((c): c is string => !!c);
  for (const c of candidates) if (probe && existsSync(join(c, probe))) return c;
  return null;
}

/** serverCpuMs: the local S3 server's CPU during the step (S3 tools), kept out of "other load". */
export function measureOf(r: ProcResult, syncMs: number, coldCache: boolean, corpusBytes: number, throughput: boolean, serverCpuMs?: number): StepMeasure {
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
export function aggregate(runs: ToolResult[]): ToolResult | undefined {
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

export function fmtMs(ms: number | undefined): string {
  return ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`;
}

/** Runs the series `env.runs` times and returns one (median) result per tool. */
export async function runSeries(env: SeriesEnv, spec: SeriesSpec): Promise<ToolResult[]> {
  const base = spec.name ? join(env.work, spec.name) : env.work;
  const dirsOf = (tool: ToolName): { stateDir: string; repoDir: string } => ({ stateDir: join(base, 'state', tool), repoDir: join(base, 'repos', tool) });
  const tag = spec.name ? `${spec.name}: ` : '';
  const perTool = new Map<ToolName, ToolResult[]>(spec.tools.map((t) => [t, []]));
  const repoUsage = async (runner: ToolRunner): Promise<DiskUsage | BucketUsage | undefined> => {
    if (!runner.repoUsage) return diskUsage(runner.repoDir());
    return runner.repoUsage().catch((e: unknown) => {
      log(`${runner.name}: bucket size not measured: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    });
  };

  for (let run = 1; run <= env.runs && !env.interrupted(); run++) {
    if (env.runs > 1) log(`${tag}— run ${run} of ${env.runs} —`);
    const runners = new Map<ToolName, ToolRunner>();
    const results = new Map<ToolName, ToolResult>();
    for (const name of spec.tools) {
      const previous = perTool.get(name) ?? [];
      if (previous.length && !previous[0]?.available) continue; // not available in run 1: do not retry
      const { stateDir, repoDir } = dirsOf(name);
      await rmrf(stateDir);
      await rmrf(repoDir);
      await rmrf(join(base, 'restore', name));
      await mkdir(stateDir, { recursive: true });
      await mkdir(join(base, 'repos'), { recursive: true });
      const runner = createRunner(name, { stateDir, root: env.root, password: env.password, timeoutMs: env.timeoutMs, s3: env.s3 });
      runners.set(name, runner);
      if (!(name in env.toolVersions)) env.toolVersions[name] = await runner.version();
      const steps = Object.fromEntries(STEPS.map((st) => [st, spec.steps.includes(st) ? { status: 'skipped' } : notRun('not part of this series')])) as Record<StepName, StepMeasure>;
      results.set(name, { tool: name, version: env.toolVersions[name] ?? null, available: true, settings: runner.settings, steps });
    }

    const measured = async (step: StepName, res: ToolResult, throughput: boolean, go: () => Promise<ProcResult>): Promise<StepMeasure> => {
      const cold = await dropCaches();
      if (!cold) env.cold.all = false;
      const server = isS3Tool(res.tool) ? env.s3 : undefined;
      const cpu0 = server?.cpuMs();
      const r = await go();
      const cpu1 = server?.cpuMs();
      const syncMs = syncAll();
      const m = measureOf(r, syncMs, cold, spec.tree().bytes, throughput, cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined);
      res.steps[step] = m;
      return m;
    };

    const doStep = async (step: StepName, runner: ToolRunner, res: ToolResult): Promise<void> => {
      switch (step) {
        case 'init': {
          const m = await measured('init', res, false, () => runner.init(dirsOf(runner.name).repoDir));
          if (m.status !== 'ok') {
            res.available = false;
            res.unavailableReason = m.reason ?? 'init failed';
            m.status = 'unavailable';
            for (const st of STEPS) if (st !== 'init' && spec.steps.includes(st)) res.steps[st] = { status: 'unavailable', reason: res.unavailableReason };
          }
          return;
        }
        case 'backup': {
          const m = await measured('backup', res, true, () => runner.backup(spec.corpusDir));
          res.repoAfterBackup = await repoUsage(runner);
          if (m.status !== 'ok') for (const st of STEPS) if (st !== 'init' && st !== 'backup' && spec.steps.includes(st)) res.steps[st] = notRun('full backup failed');
          return;
        }
        case 'noop':
          if (res.steps.backup.status !== 'ok') return;
          await measured('noop', res, true, () => runner.noopBackup(spec.corpusDir));
          res.repoAfterNoop = await repoUsage(runner);
          return;
        case 'incremental':
          if (res.steps.backup.status !== 'ok') return;
          await measured('incremental', res, true, () => runner.incrementalBackup(spec.corpusDir));
          res.repoAfterIncremental = await repoUsage(runner);
          return;
        case 'restore':
          await restoreStep(runner, res);
          return;
      }
    };

    const restoreStep = async (runner: ToolRunner, res: ToolResult): Promise<void> => {
      if (res.steps.backup.status !== 'ok') return;
      const target = join(base, 'restore', runner.name);
      await rmrf(target);
      await mkdir(target, { recursive: true });
      const m = await measured('restore', res, true, () => runner.restore(target));
      if (m.status !== 'ok') return;
      const t0 = process.hrtime.bigint();
      const { listing } = spec.tree();
      const where = locateRestored(target, spec.corpusDir, runner.restoredRoot(target, spec.corpusDir), listing);
      let verify: NonNullable<StepMeasure['verify']>;
      if (!where) {
        verify = { ok: false, detail: `restored tree not found under the target (looked for ${listing.files[0]?.path ?? '?'})`, restoredRoot: null, ms: 0 };
      } else {
        const diff = diffTrees(listing, await hashTree(where));
        verify = { ok: diff.ok, detail: describeDiff(diff), restoredRoot: where.slice(target.length) || '/', ms: 0 };
      }
      verify.ms = Number(process.hrtime.bigint() - t0) / 1e6;
      m.verify = verify;
      if (!verify.ok) {
        m.status = 'failed';
        m.reason = `restored tree differs from the source: ${verify.detail}`;
        m.mibPerSec = undefined;
      }
      if (!env.keepRestores) await rmrf(target); // as large as the corpus: free the disk for the next one
    };

    for (const step of spec.steps) {
      if (env.interrupted()) break;
      await spec.beforeStep?.(step);
      for (const name of spec.tools) {
        const runner = runners.get(name);
        const res = results.get(name);
        if (!runner || !res || !res.available) continue;
        if (env.interrupted()) break;
        await doStep(step, runner, res);
        const m = res.steps[step];
        const status =
          m.status === 'ok'
            ? `${fmtMs(m.totalMs)}${m.mibPerSec !== undefined ? `, ${m.mibPerSec.toFixed(1)} MiB/s` : ''}, CPU ${fmtMs(m.cpuMs)}, peak RSS ${((m.peakRssBytes ?? 0) / MiB).toFixed(0)} MiB, other load ${(m.otherLoad ?? 0).toFixed(2)} CPUs${m.serverCpuMs !== undefined ? `, S3 server CPU ${fmtMs(m.serverCpuMs)}` : ''}`
            : `${m.status}: ${m.reason ?? ''}`;
        log(`${tag}${step.padEnd(11)} ${name.padEnd(15)} ${status}`);
      }
    }
    await spec.afterRun?.(results, dirsOf);
    for (const runner of runners.values()) await runner.close?.();
    for (const res of results.values()) {
      if (res.available) res.stateAfterRun = await diskUsage(dirsOf(res.tool).stateDir);
      perTool.get(res.tool)?.push(res);
    }
  }
  return spec.tools.map((t) => aggregate(perTool.get(t) ?? [])).filter((r): r is ToolResult => !!r);
}
