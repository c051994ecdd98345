// One watch host process seen from the engine: start it with the roots, hear from it, close it.
import { fork, type ChildProcess } from 'node:child_process';
import { workerFile } from '../jobs/shared/workerUrl.js';
import type { FromHost, HostSettings, ToHost } from './protocol.js';
import type { RootState } from './types.js';

const HOST_SCRIPT = new URL('./host/main.js', import.meta.url);
/** A host that does not end this long after `close` is killed (and the fact written to stderr). */
const EXIT_GRACE_MS = 5_000;

export class HostProcess {
  private readonly child: ChildProcess;
  private exited = false;
  private readonly exitWaiters: (() => void)[] = [];
  private readyWaiter: { resolve: (s: Record<string, RootState>) => void; reject: (e: Error) => void } | null = null;
  private closedWaiter: (() => void) | null = null;

  constructor(
    private readonly onMessage: (host: HostProcess, m: FromHost) => void,
    private readonly onExit: (host: HostProcess, why: string) => void,
  ) {
    // stdout is not ours to use; stderr goes where the engine's goes (a crash must be visible).
    this.child = fork(workerFile(HOST_SCRIPT), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
    this.child.on('message', (m: FromHost) => {
      if (m.type === 'ready') {
        this.readyWaiter?.resolve(m.states);
        this.readyWaiter = null;
      } else if (m.type === 'closed') this.closedWaiter?.();
      else this.onMessage(this, m);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      const why = signal ? `signal ${signal}` : `exit code ${code ?? '?'}`;
      this.readyWaiter?.reject(new Error(`the watch process ended before it was ready (${why})`));
      this.readyWaiter = null;
      this.closedWaiter?.();
      for (const w of this.exitWaiters.splice(0)) w();
      this.onExit(this, why);
    });
    this.child.on('error', () => {
      // spawn failure or a closed channel: 'exit' follows and says it
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Subscribes every root; resolves with what came of each once all were tried. */
  start(m: { roots: string[]; ignore: { paths: string[]; globs: string[] }; settings: HostSettings }): Promise<Record<string, RootState>> {
    return new Promise((resolve, reject) => {
      this.readyWaiter = { resolve, reject };
      this.post({ type: 'start', ...m });
    });
  }

  /** Asks the host to unsubscribe everything and end; kills it if it does not. Never rejects. */
  async close(): Promise<void> {
    if (this.exited) return;
    const closed = new Promise<void>((resolve) => (this.closedWaiter = resolve));
    this.post({ type: 'close' });
    await Promise.race([closed, this.waitExit(EXIT_GRACE_MS)]);
    if (!(await this.waitExit(EXIT_GRACE_MS))) {
      process.stderr.write(`havre: the watch process ${this.child.pid ?? '?'} did not end after close; killed\n`);
      this.child.kill('SIGKILL');
      await this.waitExit(EXIT_GRACE_MS);
    }
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private post(m: ToHost): void {
    if (!this.exited && this.child.connected) this.child.send(m);
  }

  private waitExit(ms: number): Promise<boolean> {
    if (this.exited) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
