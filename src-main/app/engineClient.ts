// The main-process side of the engine port: numbered requests, one pending promise each, events
// passed on. A request always resolves — to the engine's IpcResult, or to an IpcError when the
// engine times out or goes away — so nothing above has to catch.

import { fail, ipcError, sanitizeIpcError, type Channel, type EngineEvent, type IpcError, type IpcErrorCode, type IpcResult } from '../ipc/contract.js';
import { isEngineToMain, type MainToEngine, type PortLike } from './engineWire.js';

export interface EngineClientOptions {
  /** Per request; the engine answers 'start' requests at once and reports work through events. */
  timeoutMs?: number;
  onEvent?: (event: EngineEvent) => void;
  onReady?: () => void;
  onFatal?: (error: IpcError, permanent: boolean) => void;
  log?: (line: string) => void;
}

interface Pending {
  resolve: (result: IpcResult<unknown>) => void;
  timer: ReturnType<typeof setTimeout>;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;
  private closedWaiters: Array<() => void> = [];

  constructor(
    private readonly port: PortLike,
    private readonly options: EngineClientOptions = {},
  ) {
    port.onMessage((data) => this.receive(data));
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  request(channel: Channel, payload: unknown): Promise<IpcResult<unknown>> {
    if (this.disposed) return Promise.resolve(fail(ipcError('ENGINE_UNAVAILABLE')));
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(fail(ipcError('ENGINE_TIMEOUT')));
      }, this.options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, timer });
      this.send({ kind: 'request', id, channel, payload });
    });
  }

  /** Asks the engine to close cleanly; resolves when it says so or after `timeoutMs`. */
  shutdown(timeoutMs = 5_000): Promise<void> {
    if (this.disposed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.closedWaiters.push(done);
      this.send({ kind: 'shutdown' });
    });
  }

  /** Ends every pending request with `reason` and stops listening. */
  dispose(reason: IpcErrorCode = 'ENGINE_UNAVAILABLE'): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(fail(ipcError(reason)));
      this.pending.delete(id);
    }
    for (const done of this.closedWaiters.splice(0)) done();
    try {
      this.port.close();
    } catch {
      // already closed
    }
  }

  private send(message: MainToEngine): void {
    try {
      this.port.postMessage(message);
    } catch {
      this.options.log?.('engine port refused a message');
    }
  }

  private receive(data: unknown): void {
    if (this.disposed) return;
    if (!isEngineToMain(data)) {
      this.options.log?.('main: ignored a malformed message from the engine');
      return;
    }
    switch (data.kind) {
      case 'response': {
        const p = this.pending.get(data.id);
        if (p === undefined) return; // timed out already
        this.pending.delete(data.id);
        clearTimeout(p.timer);
        p.resolve(data.result.ok ? data.result : fail(sanitizeIpcError(data.result.error)));
        return;
      }
      case 'event':
        this.options.onEvent?.(data.event);
        return;
      case 'ready':
        this.options.onReady?.();
        return;
      case 'fatal':
        this.options.onFatal?.(sanitizeIpcError(data.error), data.permanent);
        return;
      case 'closed':
        for (const done of this.closedWaiters.splice(0)) done();
        return;
    }
  }
}
