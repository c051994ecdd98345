// The engine side of the port: answers requests through the shared dispatcher and forwards the
// engine's events. Electron-free, so it is tested over a Node MessageChannel.

import { dispatchRequest, type ErrorMapper } from '../ipc/dispatch.js';
import { ipcError, type EngineApi } from '../ipc/contract.js';
import { isMainToEngine, type EngineToMain, type PortLike } from './engineWire.js';

export interface ServeOptions {
  mapError?: ErrorMapper;
  /** Local log line for errors that were hidden behind INTERNAL. */
  log?: (line: string) => void;
  /** Called after a 'shutdown' request closed the engine. */
  onClosed?: () => void;
}

/**
 * Serves `api` on `port`. `api` may still be loading: requests wait for it, and if it fails
 * they are answered ENGINE_UNAVAILABLE.
 */
export function serveEngine(port: PortLike, api: Promise<EngineApi>, options: ServeOptions = {}): void {
  const post = (message: EngineToMain): void => port.postMessage(message);
  let closing = false;

  void api.then(
    (engine) => {
      engine.subscribe((event) => {
        if (!closing) post({ kind: 'event', event });
      });
      post({ kind: 'ready' });
    },
    () => undefined, // the caller reports the failure as 'fatal'
  );

  port.onMessage((data) => {
    if (!isMainToEngine(data)) {
      options.log?.('engine: ignored a malformed message from main');
      return;
    }
    if (data.kind === 'shutdown') {
      closing = true;
      void api
        .then((engine) => engine.close())
        .catch(() => undefined)
        .finally(() => {
          post({ kind: 'closed' });
          options.onClosed?.();
        });
      return;
    }
    const { id, channel, payload } = data;
    void api.then(
      async (engine) => {
        const result = await dispatchRequest(engine, channel, payload, {
          mapError: options.mapError,
          onInternalError: (ch, error) => {
            const name = error instanceof Error ? error.name : typeof error;
            options.log?.(`engine: internal error while handling ${ch} (${name})`);
          },
        });
        post({ kind: 'response', id, result });
      },
      () => post({ kind: 'response', id, result: { ok: false, error: ipcError('ENGINE_UNAVAILABLE') } }),
    );
  });
}
