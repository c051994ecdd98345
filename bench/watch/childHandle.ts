// The driver's side of one watcher child: spawn it (optionally in a user namespace with its own
// inotify watch limit), send commands, wait for notices, read its RSS, CPU and inotify watches.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Command, Library, Notice } from './protocol.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

type NoticeOf<T extends Notice['type']> = Extract<Notice, { type: T }>;

export class WatcherChild {
  readonly errors: NoticeOf<'error'>[] = [];
  readonly stderr: string[] = [];
  private readonly proc: ChildProcess;
  private readonly queued: Notice[] = [];
  private readonly waiting: { type: Notice['type']; resolve: (n: Notice) => void; fail: (e: Error) => void }[] = [];
  private exitInfo: { code: number | null; signal: string | null } | null = null;
  private readonly exitWaiters: (() => void)[] = [];
  /** set from the `loaded` notice: the node process itself (behind unshare, the same pid) */
  pid = 0;

  /** `inotifyLimit`: run in a new user namespace whose max_inotify_watches is this (Linux ≥ 5.11).
   *  Watches still count against the machine's per-user limit too, which every process of the user
   *  shares (on this machine: the other agents), so the measurement runs are capped well below it. */
  constructor(lib: Library, root: string, opts: { inotifyLimit?: number } = {}) {
    const node = process.execPath;
    const [cmd, args] =
      opts.inotifyLimit === undefined
        ? [node, [CHILD, lib, root]]
        : ['unshare', ['--user', '--map-root-user', 'sh', '-c', `echo ${opts.inotifyLimit} > /proc/sys/user/max_inotify_watches && exec "$0" "$@"`, node, CHILD, lib, root]];
    this.proc = spawn(cmd, args as string[], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: this.proc.stderr! }).on('line', (line) => {
      if (this.stderr.length < 50) this.stderr.push(line);
    });
    this.proc.on('exit', (code, signal) => {
      this.exitInfo = { code, signal };
      for (const w of this.exitWaiters.splice(0)) w();
      // nothing more will come: fail what still waits (and clear its timer)
      for (const w of this.waiting.splice(0)) w.fail(new Error(`the watcher child exited (${JSON.stringify(this.exitInfo)}): ${this.stderr.slice(-3).join(' | ')}`));
    });
  }

  private onLine(line: string): void {
    let n: Notice;
    try {
      n = JSON.parse(line) as Notice;
    } catch {
      this.stderr.push(`stdout: ${line}`);
      return;
    }
    if (n.type === 'error') this.errors.push(n);
    if (n.type === 'loaded') this.pid = n.pid;
    const i = this.waiting.findIndex((w) => w.type === n.type);
    if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(n);
    else if (n.type !== 'error') this.queued.push(n);
  }

  send(c: Command): void {
    this.proc.stdin!.write(JSON.stringify(c) + '\n');
  }

  /** The next notice of `type` (queued or to come); rejects after timeoutMs or if the child exits. */
  next<T extends Notice['type']>(type: T, timeoutMs: number): Promise<NoticeOf<T>> {
    const i = this.queued.findIndex((n) => n.type === type);
    if (i >= 0) return Promise.resolve(this.queued.splice(i, 1)[0] as NoticeOf<T>);
    if (this.exitInfo) return Promise.reject(new Error(`the watcher child exited (${JSON.stringify(this.exitInfo)})`));
    return new Promise((resolve, reject) => {
      const entry = {
        type,
        resolve: (n: Notice) => {
          clearTimeout(timer);
          resolve(n as NoticeOf<T>);
        },
        fail: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        reject(new Error(`no "${type}" from the watcher child within ${timeoutMs} ms${this.exitInfo ? ` (it exited: ${JSON.stringify(this.exitInfo)}; ${this.stderr.slice(-3).join(' | ')})` : ''}`));
      }, timeoutMs);
      this.waiting.push(entry);
    });
  }

  async ask<T extends Notice['type']>(c: Command, reply: T, timeoutMs = 120_000): Promise<NoticeOf<T>> {
    const p = this.next(reply, timeoutMs);
    this.send(c);
    return p;
  }

  get exited(): boolean {
    return this.exitInfo !== null;
  }

  /** true if the child exits on its own within timeoutMs (after `close` and an ended stdin). */
  waitExit(timeoutMs: number): Promise<boolean> {
    if (this.exitInfo) return Promise.resolve(true);
    this.proc.stdin!.end();
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  kill(): void {
    if (!this.exitInfo) this.proc.kill('SIGKILL');
  }
}

/** The process and its descendants (the havre adapter runs a watch host process of its own). */
export function processTree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parent) if (pp === out[i]) out.push(p);
  return out;
}

/** Inotify watches the process tree holds: one `inotify wd:` line per watch in /proc/PID/fdinfo/*. */
export function inotifyWatches(root: number): number {
  return processTree(root).reduce((n, pid) => n + watchesOf(pid), 0);
}

function watchesOf(pid: number): number {
  let n = 0;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fdinfo`);
  } catch {
    return 0;
  }
  for (const fd of fds) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    if (!text.includes('inotify wd:')) continue;
    for (const line of text.split('\n')) if (line.startsWith('inotify wd:')) n++;
  }
  return n;
}
