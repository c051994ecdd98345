// Continuous protection, measured on the real `havre daemon` (DESIGN.md §7, issue 5):
//   npm run bench:protect -- [--files 100000] [--saves 40] [--idle-seconds 60] [--work DIR] [--keep] [--out DIR]
//
// 1. generates a tree of small files (about 20 per folder), creates a repository, points the
//    settings at the tree, starts the daemon and times its start-up scan (and its peak RSS);
// 2. with nothing changing, samples the daemon's CPU time and RSS for --idle-seconds;
// 3. saves --saves new files, one every 3 s, each in a random folder, and times each save until the
//    daemon reports the backup that holds it (save-to-protected latency, p50/p95); the last one is
//    restored from the repository and compared byte for byte.
// Writes docs/benchmarks-protect.json; bench/report.ts puts it in docs/BENCHMARKS.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { rmrf } from '../lib/fsutil.js';
import { readCpuMs, readStatus } from '../lib/proc.js';
import { log, MiB, repoRoot } from '../lib/util.js';

export const PROTECT_SCHEMA = 1;

export interface ProtectResults {
  schema: number;
  date: string;
  host: string;
  command: string;
  files: number;
  folders: number;
  watchMode: string;
  startupScan: { ms: number; peakRssBytes: number } | null;
  idle: { seconds: number; cpuMs: number; cpuPercent: number; rssBytes: number } | null;
  latency: { saves: number; protected: number; p50Ms: number; p95Ms: number; maxMs: number; samplesMs: number[]; verified: boolean } | null;
  notMeasured: string[];
  loadAvgAtStart: number;
}

interface Options {
  files: number;
  saves: number;
  idleSeconds: number;
  work: string;
  keep: boolean;
  out: string;
}

function parse(argv: string[], root: string): Options {
  const o: Options = { files: 100_000, saves: 40, idleSeconds: 60, work: join(root, 'bench', '.work-protect'), keep: false, out: join(root, 'docs') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`bench:protect: ${a} needs a value`);
      return x;
    };
    if (a === '--files') o.files = Number(v());
    else if (a === '--saves') o.saves = Number(v());
    else if (a === '--idle-seconds') o.idleSeconds = Number(v());
    else if (a === '--work') o.work = resolve(v());
    else if (a === '--out') o.out = resolve(v());
    else if (a === '--keep') o.keep = true;
    else throw new Error(`bench:protect: unknown option ${a}`);
  }
  return o;
}

/** A deterministic tree: ~20 files per folder, folders 3 deep, 200 B – 8 KiB each. */
function generate(dir: string, files: number): string[] {
  const folders: string[] = [];
  const per = 20;
  for (let i = 0; i < files; i++) {
    if (i % per === 0) {
      const n = i / per;
      const f = join(dir, `p${n % 16}`, `q${Math.floor(n / 16) % 32}`, `r${n}`);
      mkdirSync(f, { recursive: true });
      folders.push(f);
    }
    writeFileSync(join(folders.at(-1)!, `doc-${i}.txt`), `file ${i} `.repeat(20 + (i % 400)));
  }
  return folders;
}

interface DaemonLine {
  event: string;
  time: string;
  snapshot?: string;
  protection?: { mode: string };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function main(): Promise<void> {
  const root = repoRoot();
  const o = parse(process.argv.slice(2), root);
  const bin = join(root, 'bin', 'havre.js');
  const home = join(o.work, 'home');
  const env = { ...process.env, HAVRE_HOME: home, HAVRE_PASSWORD: 'havre-bench-password-not-secret', HAVRE_KEYCHAIN: 'none' };
  const havre = (args: string[]): string => runSync(process.execPath, [bin, ...args], env);
  const notMeasured: string[] = [];
  await rmrf(o.work);
  mkdirSync(o.work, { recursive: true });
  const tree = join(o.work, 'tree');
  log(`generating ${o.files} files…`);
  const folders = generate(tree, o.files);
  havre(['init', '--repo', join(o.work, 'repo'), '--json']);
  havre(['settings', 'set', 'folders', tree]);

  log('starting havre daemon…');
  const loadAvgAtStart = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  const daemon = spawn(process.execPath, [bin, 'daemon', '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: { line: DaemonLine; seenAt: number }[] = [];
  let buf = '';
  daemon.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (text) lines.push({ line: JSON.parse(text) as DaemonLine, seenAt: Date.now() });
    }
  });
  let peakRss = 0;
  const sampler = setInterval(() => {
    const s = daemon.pid ? readStatus(daemon.pid) : null;
    if (s) peakRss = Math.max(peakRss, s.rss);
  }, 50);
  const t0 = Date.now();
  const backupsAfter = (t: number): { line: DaemonLine; seenAt: number }[] => lines.filter((l) => l.line.event === 'backup' && l.seenAt >= t);
  const waitFor = async (cond: () => boolean, ms: number): Promise<boolean> => {
    const start = Date.now();
    while (!cond()) {
      if (Date.now() - start > ms || daemon.exitCode !== null) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  };
  let startupScan: ProtectResults['startupScan'] = null;
  if (await waitFor(() => backupsAfter(t0).length > 0, 60 * 60_000)) {
    startupScan = { ms: backupsAfter(t0)[0]!.seenAt - t0, peakRssBytes: peakRss };
    log(`start-up scan: ${startupScan.ms} ms, peak RSS ${(peakRss / MiB).toFixed(0)} MiB`);
  } else notMeasured.push('start-up scan: the daemon did not report a backup');
  clearInterval(sampler);
  const mode = [...lines].reverse().find((l) => l.line.protection)?.line.protection?.mode ?? 'unknown';

  let idle: ProtectResults['idle'] = null;
  if (startupScan && daemon.pid) {
    await new Promise((r) => setTimeout(r, 5000)); // let it settle
    const c0 = readCpuMs(daemon.pid);
    await new Promise((r) => setTimeout(r, o.idleSeconds * 1000));
    const c1 = readCpuMs(daemon.pid);
    const rss = readStatus(daemon.pid)?.rss ?? 0;
    if (c0 !== null && c1 !== null) {
      idle = { seconds: o.idleSeconds, cpuMs: c1 - c0, cpuPercent: ((c1 - c0) / (o.idleSeconds * 1000)) * 100, rssBytes: rss };
      log(`idle: ${idle.cpuMs} ms of CPU in ${o.idleSeconds} s (${idle.cpuPercent.toFixed(2)} %), RSS ${(rss / MiB).toFixed(0)} MiB`);
    }
  }

  let latency: ProtectResults['latency'] = null;
  if (mode !== 'watching') notMeasured.push(`save-to-protected latency: protection is in mode "${mode}" (no watcher), so a save waits for the next scan`);
  else if (startupScan) {
    const samples: number[] = [];
    let last: { path: string; bytes: Buffer } | null = null;
    for (let i = 0; i < o.saves; i++) {
      const folder = folders[Math.floor(Math.random() * folders.length)]!;
      const path = join(folder, `saved-${i}.txt`);
      const bytes = randomBytes(2000);
      const t = Date.now();
      writeFileSync(path, bytes);
      if (await waitFor(() => backupsAfter(t).length > 0, 60_000)) samples.push(backupsAfter(t)[0]!.seenAt - t);
      last = { path, bytes };
      await new Promise((r) => setTimeout(r, 3000));
    }
    let verified = false;
    if (last) {
      const out = join(o.work, 'check');
      havre(['restore', 'latest', '--target', out, '--path', last.path]);
      verified = readFileSync(join(out, `saved-${o.saves - 1}.txt`)).equals(last.bytes);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    latency = { saves: o.saves, protected: samples.length, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), maxMs: sorted.at(-1) ?? 0, samplesMs: samples, verified };
    log(`save-to-protected: p50 ${latency.p50Ms} ms, p95 ${latency.p95Ms} ms, ${samples.length}/${o.saves} protected, last one restored ${verified ? 'identical' : 'DIFFERENT'}`);
  }
  stop(daemon);

  const results: ProtectResults = {
    schema: PROTECT_SCHEMA, date: new Date().toISOString(), host: hostname(),
    command: `npm run bench:protect -- --files ${o.files} --saves ${o.saves} --idle-seconds ${o.idleSeconds}`,
    files: o.files, folders: folders.length, watchMode: mode, startupScan, idle, latency, notMeasured, loadAvgAtStart,
  };
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, 'benchmarks-protect.json'), JSON.stringify(results, null, 2) + '\n');
  log(`written: ${join(o.out, 'benchmarks-protect.json')}`);
  if (!o.keep) await rmrf(o.work);
}

function stop(c: ChildProcess): void {
  if (c.exitCode === null) c.kill('SIGTERM');
}

/** A small setup command: a failure stops the run with its message. */
function runSync(cmd: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench:protect: ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
