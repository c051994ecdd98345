// Runs one tool invocation as a black box and measures it: high-resolution wall time and the peak
// resident memory of its whole process tree.
//
// Peak RSS — why /proc polling and not GNU time: Node's child_process does not expose rusage, and
// GNU time's %M (wait4 ru_maxrss) is the high-water mark of the single largest process, not of the
// tree, and needs an extra package on minimal images. So we poll /proc every POLL_MS:
//   - discover the tree: every pid whose parent chain reaches the child (parents read from
//     /proc/<pid>/stat; new pids only, so a steady-state poll costs one readdir plus one small read
//     per tree process);
//   - tree RSS = Σ VmRSS over the tree; the sampled peak is the largest sum seen;
//   - each process's VmHWM (kernel-kept exact high-water mark) is remembered at its last sample.
// peakRss = max(sampled tree peak, largest VmHWM of any single process). The VmHWM term catches a
// short spike of a single-process tool (restic, borg, Node with worker threads) between two polls;
// the sum term covers tools that fork helpers. A spike in the last POLL_MS before exit can be missed.
//
// CPU time (user + system) of the tree comes from the same samples (/proc/<pid>/stat utime, stime and
// the cutime, cstime of reaped children), and the whole machine's busy time from /proc/stat: the
// difference is CPU that other processes (or the hypervisor, as steal) took during the step — on a
// shared machine wall times are only as good as that figure is small.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export const POLL_MS = 50;

export interface ProcResult {
  command: string;
  exitCode: number | null;
  signal: string | null;
  /** spawn failure (ENOENT…) or timeout, else null */
  error: string | null;
  wallMs: number;
  peakRssBytes: number;
  rssSamples: number;
  /** user + system CPU time of the process tree (as of the last sample) */
  cpuMs: number;
  /** busy CPU time of the whole machine during the run (all cores, steal included) */
  machineBusyMs: number;
  /** 1-minute load average when the run started */
  loadAvgAtStart: number;
  stdoutTail: string;
  stderrTail: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** printed in the command line of the report; secrets must not be passed in argv */
  label?: string;
}

const TAIL_BYTES = 16 * 1024;

class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > TAIL_BYTES * 2 && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - TAIL_BYTES)).toString('utf8');
  }
}

export function readStatus(pid: number): { rss: number; hwm: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(text);
  if (!rss) return null; // zombie or kernel thread
  return { rss: Number(rss[1]) * 1024, hwm: hwm ? Number(hwm[1]) * 1024 : 0 };
}

const TICK_MS = 10; // USER_HZ is 100 on every Linux ABI Node supports

/** fields of /proc/<pid>/stat after the command name */
function readStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: parse after the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime + cutime + cstime, in ms */
export function readCpuMs(pid: number): number | null {
  const f = readStat(pid);
  if (!f) return null;
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
}

/** busy time of all CPUs (everything but idle and iowait), ms */
export function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = v;
    return (user + nice + system + irq + softirq + steal) * TICK_MS;
  } catch {
    return 0;
  }
}

function loadAvg(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}

function readPpid(pid: number): number | null {
  const f = readStat(pid);
  return f ? Number(f[1]) : null;
}

/** Tracks the process tree rooted at one pid. */
class TreeSampler {
  private readonly ppid = new Map<number, number>();
  private readonly inTree = new Set<number>();
  private readonly hwm = new Map<number, number>();
  /** CPU ms of the tree as of the last sample */
  cpuMs = 0;
  peakTree = 0;
  samples = 0;

  constructor(private readonly root: number) {
    this.inTree.add(root);
  }

  sample(): void {
    let pids: number[];
    try {
      pids = readdirSync('/proc').filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57).map(Number);
    } catch {
      return;
    }
    const live = new Set(pids);
    for (const pid of pids) {
      if (!this.ppid.has(pid)) {
        const p = readPpid(pid);
        if (p !== null) this.ppid.set(pid, p);
      }
    }
    // a pid belongs to the tree if its parent does (iterate until stable: children may be listed first)
    let grew = true;
    while (grew) {
      grew = false;
      for (const pid of pids) {
        if (this.inTree.has(pid)) continue;
        const p = this.ppid.get(pid);
        if (p !== undefined && this.inTree.has(p)) {
          this.inTree.add(pid);
          grew = true;
        }
      }
    }
    let sum = 0;
    let cpu = 0;
    let rootSeen = false;
    for (const pid of this.inTree) {
      if (!live.has(pid)) continue;
      const st = readStatus(pid);
      if (!st) continue;
      sum += st.rss;
      this.hwm.set(pid, Math.max(this.hwm.get(pid) ?? 0, st.hwm));
      // a live process's own time plus that of the children it reaped; reaped processes are
      // counted by their parent, so the sum over live processes covers the whole tree
      const c = readCpuMs(pid);
      if (c !== null) cpu += c;
      if (pid === this.root) rootSeen = true;
    }
    if (rootSeen) this.cpuMs = cpu;
    // forget dead pids so a recycled pid is not taken for a tree member
    for (const pid of this.ppid.keys()) if (!live.has(pid)) this.ppid.delete(pid);
    for (const pid of [...this.inTree]) if (pid !== this.root && !live.has(pid)) this.inTree.delete(pid);
    this.samples++;
    if (sum > this.peakTree) this.peakTree = sum;
  }

  peak(): number {
    let maxHwm = 0;
    for (const v of this.hwm.values()) if (v > maxHwm) maxHwm = v;
    return Math.max(this.peakTree, maxHwm);
  }
}

let current: { pid: number } | null = null;

/** Kills the running measured process group, if any (used on SIGINT). */
export function killCurrent(): void {
  if (current) {
    try {
      process.kill(-current.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function runMeasured(cmd: string, args: string[], opts: RunOptions = {}): Promise<ProcResult> {
  const command = opts.label ?? [cmd, ...args].join(' ');
  return new Promise((resolve) => {
    const out = new Tail();
    const err = new Tail();
    const loadAvgAtStart = loadAvg();
    const busy0 = machineBusyMs();
    const t0 = process.hrtime.bigint();
    let child;
    try {
      child = spawn(cmd, args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // own process group, so a timeout or Ctrl-C kills the whole tree
      });
    } catch (e) {
      resolve({ command, exitCode: null, signal: null, error: (e as Error).message, wallMs: 0, peakRssBytes: 0, rssSamples: 0, cpuMs: 0, machineBusyMs: 0, loadAvgAtStart, stdoutTail: '', stderrTail: '' });
      return;
    }
    const sampler = child.pid !== undefined ? new TreeSampler(child.pid) : null;
    if (child.pid !== undefined) current = { pid: child.pid };
    sampler?.sample();
    const timer = setInterval(() => sampler?.sample(), POLL_MS);
    let timedOut = false;
    const killer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          killCurrent();
        }, opts.timeoutMs)
      : null;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let spawnError: string | null = null;
    let exitAt: bigint | null = null;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    child.on('error', (e) => {
      spawnError = e.message;
    });
    child.on('exit', (code, signal) => {
      exitAt = process.hrtime.bigint();
      exitCode = code;
      exitSignal = signal;
    });
    child.on('close', (code, signal) => {
      const end = exitAt ?? process.hrtime.bigint();
      clearInterval(timer);
      if (killer) clearTimeout(killer);
      current = null;
      resolve({
        command,
        exitCode: exitAt !== null ? exitCode : code,
        signal: exitAt !== null ? exitSignal : signal,
        error: timedOut ? `timed out after ${Math.round((opts.timeoutMs ?? 0) / 1000)} s` : spawnError,
        wallMs: Number(end - t0) / 1e6,
        peakRssBytes: sampler?.peak() ?? 0,
        rssSamples: sampler?.samples ?? 0,
        cpuMs: sampler?.cpuMs ?? 0,
        machineBusyMs: machineBusyMs() - busy0,
        loadAvgAtStart,
        stdoutTail: out.text(),
        stderrTail: err.text(),
      });
    });
  });
}

export function succeeded(r: ProcResult): boolean {
  return r.error === null && r.exitCode === 0;
}

/** The first meaningful line explaining a failure. */
export function failureLine(r: ProcResult): string {
  if (r.error) return r.error;
  const pick = (text: string): string => {
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    // a JSON error object from a --json CLI
    for (const l of lines) {
      if (l.startsWith('{')) {
        try {
          const j = JSON.parse(l) as { error?: { message?: unknown } | string; message?: unknown };
          if (typeof j.error === 'string') return j.error;
          if (j.error && typeof j.error.message === 'string') return j.error.message;
        } catch {
          // not JSON
        }
      }
    }
    return lines[0] ?? '';
  };
  const line = pick(r.stderrTail) || pick(r.stdoutTail) || `exit code ${r.exitCode ?? r.signal ?? '?'}`;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
