// What the numbers were measured on.
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  logicalCpus: number;
  cpuFlags: string[];
  ramBytes: number;
  kernel: string;
  os: string;
  node: string;
  workFs: string;
  virtualized: boolean;
  gitCommit: string | null;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The mount holding `dir`: "device (fstype)". */
function fsOf(dir: string): string {
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    // keep dir
  }
  let best = { mnt: '', dev: '?', type: '?' };
  for (const line of read('/proc/mounts').split('\n')) {
    const [dev, mnt, type] = line.split(' ');
    if (!dev || !mnt || !type) continue;
    const m = mnt.replace(/\\040/g, ' ');
    if ((real === m || real.startsWith(m.endsWith('/') ? m : `${m}/`)) && m.length >= best.mnt.length) best = { mnt: m, dev, type };
  }
  return `${best.dev} (${best.type}, mounted on ${best.mnt || '?'})`;
}

function git(root: string): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return null;
  }
}

export function machineInfo(workDir: string, root: string): MachineInfo {
  const cpuinfo = read('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const flags = (/^flags\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/);
  const interesting = ['aes', 'pclmulqdq', 'sha_ni', 'avx2', 'avx512f', 'vaes'].filter((f) => flags.includes(f));
  const osRelease = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(read('/etc/os-release'))?.[1] ?? os.type();
  return {
    cpuModel: model.trim(),
    logicalCpus: os.availableParallelism(),
    cpuFlags: interesting,
    ramBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    os: osRelease,
    node: process.version,
    workFs: fsOf(workDir),
    virtualized: flags.includes('hypervisor'),
    gitCommit: git(root),
  };
}
