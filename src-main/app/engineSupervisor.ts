// Keeps one engine process alive. When it exits without being asked to, pending requests end with
// ENGINE_RESTARTED, the renderer is told, and a new one starts after a bounded exponential
// backoff. After too many quick failures, or a permanent one (the engine module is missing), it
// stops trying and reports 'failed'. Electron-free: main.ts supplies `spawn`.

import { fail, ipcError, type Channel, type EngineEvent, type EngineLifecycle, type IpcError, type IpcResult } from '../ipc/contract.js';
import { EngineClient } from './engineClient.js';
import type { PortLike } from './engineWire.js';

export interface EngineChild {
  port: PortLike;
  onExit(listener: (code: number) => void): void;
  kill(): void;
}

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Consecutive unexpected exits tolerated before giving up. */
  maxRestarts: number;
  /** A process that ran this long resets the count. */
  stableAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, maxRestarts: 8, stableAfterMs: 60_000 };

export interface SupervisorOptions {
  spawn: () => EngineChild;
  onEvent: (event: EngineEvent) => void;
  onLifecycle: (lifecycle: EngineLifecycle) => void;
  backoff?: Partial<BackoffPolicy>;
  requestTimeoutMs?: number;
  log?: (line: string) => void;
  now?: () => number;
}

export function backoffDelay(restarts: number, policy: BackoffPolicy): number {
  const exp = Math.max(0, restarts - 1);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** exp);
}

export class EngineSupervisor {
  private readonly policy: BackoffPolicy;
  private client: EngineClient | null = null;
  private child: EngineChild | null = null;
  private restarts = 0;
  private startedAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopping = false;
  private permanentFailure: IpcError | null = null;
  private lastLifecycle: EngineLifecycle = { state: 'starting', restarts: 0 };

  constructor(private readonly options: SupervisorOptions) {
    this.policy = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  get lifecycle(): EngineLifecycle {
    return this.lastLifecycle;
  }

  start(): void {
    if (this.stopping || this.child !== null) return;
    this.launch();
  }

  request(channel: Channel, payload: unknown): Promise<IpcResult<unknown>> {
    if (this.client === null) {
      return Promise.resolve(fail(ipcError(this.lastLifecycle.state === 'failed' ? 'ENGINE_FAILED' : 'ENGINE_UNAVAILABLE')));
    }
    return this.client.request(channel, payload);
  }

  /** After 'failed': tries again from a clean count (a "Retry" action). */
  retry(): void {
    if (this.stopping || this.child !== null || this.retryTimer !== null) return;
    this.restarts = 0;
    this.permanentFailure = null;
    this.launch();
  }

  /** Shuts the engine down cleanly and stops supervising. */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.stopping = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    const child = this.child;
    if (client !== null) await client.shutdown(timeoutMs);
    client?.dispose('ENGINE_UNAVAILABLE');
    child?.kill();
    this.client = null;
    this.child = null;
  }

  private report(lifecycle: EngineLifecycle): void {
    this.lastLifecycle = lifecycle;
    this.options.onLifecycle(lifecycle);
  }

  private launch(): void {
    this.retryTimer = null;
    this.report({ state: 'starting', restarts: this.restarts });
    let child: EngineChild;
    try {
      child = this.options.spawn();
    } catch {
      this.options.log?.('main: could not spawn the engine process');
      this.onExit(null, -1);
      return;
    }
    this.child = child;
    this.startedAt = (this.options.now ?? Date.now)();
    const client = new EngineClient(child.port, {
      timeoutMs: this.options.requestTimeoutMs,
      log: this.options.log,
      onEvent: (event) => this.options.onEvent(event),
      onReady: () => this.report({ state: 'running', restarts: this.restarts }),
      onFatal: (error, permanent) => {
        if (permanent) this.permanentFailure = error;
      },
    });
    this.client = client;
    child.onExit((code) => this.onExit(child, code));
  }

  private onExit(child: EngineChild | null, code: number): void {
    if (child !== null && child !== this.child) return; // a child we already replaced
    this.client?.dispose(this.stopping ? 'ENGINE_UNAVAILABLE' : 'ENGINE_RESTARTED');
    this.client = null;
    this.child = null;
    if (this.stopping) return;

    this.options.log?.(`main: engine process exited unexpectedly (code ${code})`);
    const ranFor = (this.options.now ?? Date.now)() - this.startedAt;
    this.restarts = child !== null && ranFor >= this.policy.stableAfterMs ? 1 : this.restarts + 1;

    if (this.permanentFailure !== null) {
      this.report({ state: 'failed', restarts: this.restarts, error: this.permanentFailure });
      return;
    }
    if (this.restarts > this.policy.maxRestarts) {
      this.report({ state: 'failed', restarts: this.restarts, error: ipcError('ENGINE_FAILED') });
      return;
    }
    const retryInMs = backoffDelay(this.restarts, this.policy);
    this.report({ state: 'restarting', restarts: this.restarts, retryInMs, error: ipcError('ENGINE_RESTARTED') });
    this.retryTimer = setTimeout(() => this.launch(), retryInMs);
  }
}
