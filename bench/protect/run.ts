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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { rmrf } from '../lib/fsutil.js';
import { readCpuMs, readStatus } from '../lib/proc.js';
import { processTree } from '../watch/childHandle.js';
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
  /** how the daemon unlocked the repository: 'keychain' (as the app) or 'password' (a scrypt per run) */
  unlock?: 'keychain' | 'password';
  startupScan: { ms: number; peakRssBytes: number } | null;
  idle: { seconds: number; cpuMs: number; cpuPercent: number; rssBytes: number } | null;
  latency: { saves: number; protected: number; p50Ms: number; p95Ms: number; maxMs: number; samplesMs: number[]; verified: boolean;
    /** how long the daemon says each of those backups took (part of the latency) */ runP50Ms?: number; runsMs?: number[] } | null;
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
  durationMs?: number;
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
  // The daemon unlocks as the app does, through the OS keychain (npm run bench:protect runs in a
  // private gnome-keyring session); without a keychain, by password: a scrypt at every run.
  const keychain = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS) && process.env.HAVRE_KEYCHAIN !== 'none';
  const env = { ...process.env, HAVRE_HOME: home, HAVRE_PASSWORD: 'havre-bench-password-not-secret', ...(keychain ? {} : { HAVRE_KEYCHAIN: 'none' }) };
  const daemonEnv: NodeJS.ProcessEnv = { ...env };
  if (keychain) delete daemonEnv.HAVRE_PASSWORD;
  const havre = (args: string[]): string => runSync(process.execPath, [bin, ...args], env);
  const notMeasured: string[] = [];
  const tree = join(o.work, 'tree');
  const marker = join(o.work, `tree-${o.files}.json`);
  let folders: string[];
  if (existsSync(marker)) {
    // The generated tree is kept between runs (it is deterministic): only Havre's state starts afresh.
    folders = JSON.parse(readFileSync(marker, 'utf8')) as string[];
    for (const d of ['home', 'repo', 'check']) await rmrf(join(o.work, d));
    spawnSync('find', [tree, '-name', 'saved-*.txt', '-delete']);
    log(`reusing the ${o.files}-file tree in ${tree}`);
  } else {
    await rmrf(o.work);
    mkdirSync(o.work, { recursive: true });
    log(`generating ${o.files} files…`);
    folders = generate(tree, o.files);
    writeFileSync(marker, JSON.stringify(folders));
  }
  havre(['init', '--repo', join(o.work, 'repo'), '--json']);
  havre(['settings', 'set', 'folders', tree]);

  log('starting havre daemon…');
  const loadAvgAtStart = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  const daemon = spawn(process.execPath, [bin, 'daemon', '--json'], { env: daemonEnv, stdio: ['ignore', 'pipe', 'inherit'] });
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
    if (daemon.pid) peakRss = Math.max(peakRss, treeRss(daemon.pid));
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
    const c0 = treeCpuMs(daemon.pid);
    const load0 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
    await new Promise((r) => setTimeout(r, o.idleSeconds * 1000));
    const c1 = treeCpuMs(daemon.pid);
    const rss = treeRss(daemon.pid);
    log(`load average around the idle minute: ${load0.toFixed(2)} → ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
    if (c0 !== null && c1 !== null) {
      idle = { seconds: o.idleSeconds, cpuMs: c1 - c0, cpuPercent: ((c1 - c0) / (o.idleSeconds * 1000)) * 100, rssBytes: rss };
      log(`idle: ${idle.cpuMs} ms of CPU in ${o.idleSeconds} s (${idle.cpuPercent.toFixed(2)} %), RSS ${(rss / MiB).toFixed(0)} MiB`);
    }
  }

  let latency: ProtectResults['latency'] = null;
  if (mode !== 'watching') notMeasured.push(`save-to-protected latency: protection is in mode "${mode}" (no watcher), so a save waits for the next scan`);
  else if (startupScan) {
    const samples: number[] = [];
    const runsMs: number[] = [];
    let last: { path: string; bytes: Buffer } | null = null;
    for (let i = 0; i < o.saves; i++) {
      const folder = folders[Math.floor(Math.random() * folders.length)]!;
      const path = join(folder, `saved-${i}.txt`);
      const bytes = randomBytes(2000);
      const t = Date.now();
      writeFileSync(path, bytes);
      if (await waitFor(() => backupsAfter(t).length > 0, 60_000)) {
        const b = backupsAfter(t)[0]!;
        samples.push(b.seenAt - t);
        runsMs.push(b.line.durationMs ?? 0);
      }
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
    latency = { saves: o.saves, protected: samples.length, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), maxMs: sorted.at(-1) ?? 0, samplesMs: samples, verified,
      runP50Ms: percentile([...runsMs].sort((a, b) => a - b), 50), runsMs };
    log(`save-to-protected: p50 ${latency.p50Ms} ms, p95 ${latency.p95Ms} ms (the backup run itself: p50 ${latency.runP50Ms} ms), ${samples.length}/${o.saves} protected, last one restored ${verified ? 'identical' : 'DIFFERENT'}`);
  }
  stop(daemon);

  const results: ProtectResults = {
    schema: PROTECT_SCHEMA, date: new Date().toISOString(), host: hostname(),
    command: `npm run bench:protect -- --files ${o.files} --saves ${o.saves} --idle-seconds ${o.idleSeconds}`,
    files: o.files, folders: folders.length, watchMode: mode, unlock: keychain ? 'keychain' : 'password', startupScan, idle, latency, notMeasured, loadAvgAtStart,
  };
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, 'benchmarks-protect.json'), JSON.stringify(results, null, 2) + '\n');
  log(`written: ${join(o.out, 'benchmarks-protect.json')}`);
  if (!o.keep) for (const d of ['home', 'repo', 'check']) await rmrf(join(o.work, d)); // the tree is kept for the next run
}

/** RSS of the daemon and its watch host process (the watcher runs in a child of its own). */
function treeRss(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + (readStatus(p)?.rss ?? 0), 0);
}

/** CPU time of the daemon and its children alive now. */
function treeCpuMs(pid: number): number | null {
  const own = readCpuMs(pid);
  return own === null ? null : processTree(pid).slice(1).reduce((sum, p) => sum + (readCpuMs(p) ?? 0), own);
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
