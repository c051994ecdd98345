// Builds the one object the preload exposes as `window.havre` (DESIGN.md §1: a narrow typed API,
// nothing else). It talks to ipcRenderer through the minimal interface below, so it can be tested
// without Electron. It never hands the raw IpcRendererEvent (and its `sender`) to the page.

import {
  fail,
  ipcError,
  isChannel,
  isIpcResult,
  isValidRequest,
  type IpcResult,
  type RendererEventName,
  type RendererEvents,
} from '../ipc/contract.js';
import { SUBSCRIPTIONS, type HavreApi, type Unsubscribe } from '../ipc/rendererApi.js';

/** The part of Electron's ipcRenderer this API uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createHavreApi(ipc: IpcRendererLike): HavreApi {
  async function invoke(channel: unknown, request?: unknown): Promise<IpcResult<unknown>> {
    // The main process checks all of this again; checking here too gives the page the same
    // structured error sooner and keeps junk off the IPC pipe.
    if (!isChannel(channel)) return fail(ipcError('UNKNOWN_CHANNEL'));
    if (!isValidRequest(channel, request)) return fail(ipcError('INVALID_REQUEST'));
    let result: unknown;
    try {
      result = request === undefined ? await ipc.invoke(channel) : await ipc.invoke(channel, request);
    } catch {
      return fail(ipcError('ENGINE_UNAVAILABLE'));
    }
    return isIpcResult(result) ? result : fail(ipcError('INTERNAL'));
  }

  function subscribe<E extends RendererEventName>(event: E, listener: (payload: RendererEvents[E]) => void): Unsubscribe {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const wrapped = (_event: unknown, payload: unknown): void => {
      try {
        // Payloads come from our own main process, which forwards only contract events.
        listener(payload as RendererEvents[E]);
      } catch (error) {
        console.error(`havre: a ${event} listener threw`, error);
      }
    };
    ipc.on(event, wrapped);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      ipc.removeListener(event, wrapped);
    };
  }

  const api: HavreApi = {
    invoke: invoke as HavreApi['invoke'],
    onProgress: (listener) => subscribe(SUBSCRIPTIONS.onProgress, listener),
    onResult: (listener) => subscribe(SUBSCRIPTIONS.onResult, listener),
    onStatus: (listener) => subscribe(SUBSCRIPTIONS.onStatus, listener),
    onEngineLifecycle: (listener) => subscribe(SUBSCRIPTIONS.onEngineLifecycle, listener),
    onActivity: (listener) => subscribe(SUBSCRIPTIONS.onActivity, listener),
    onNavigate: (listener) => subscribe(SUBSCRIPTIONS.onNavigate, listener),
  };
  return Object.freeze(api);
}
