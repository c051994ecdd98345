// What the renderer sees as `window.havre`: the preload builds it (src-main/preload/api.ts) and
// the renderer test bridge injects an equivalent (test/renderer/bridge.ts). Nothing else is
// exposed to the page. Requests resolve to an IpcResult instead of rejecting, so structured
// errors survive the context bridge intact (a rejected Error would lose its code).

import type {
  ActivityEvent,
  Channel,
  EngineLifecycle,
  EngineStatus,
  IpcResult,
  JobProgress,
  JobResult,
  NavigateRequest,
  RendererEventName,
  RendererEvents,
  RequestOf,
  ResponseOf,
} from './contract.js';

/** Channels whose request carries no payload can be invoked with the channel alone. */
export type InvokeArgs<C extends Channel> = RequestOf<C> extends undefined ? [channel: C] : [channel: C, request: RequestOf<C>];

export type Unsubscribe = () => void;

export interface HavreApi {
  /** Sends one request of the contract and resolves to its result; never rejects for engine errors. */
  invoke<C extends Channel>(...args: InvokeArgs<C>): Promise<IpcResult<ResponseOf<C>>>;
  onProgress(listener: (progress: JobProgress) => void): Unsubscribe;
  onResult(listener: (result: JobResult) => void): Unsubscribe;
  onStatus(listener: (status: EngineStatus) => void): Unsubscribe;
  onEngineLifecycle(listener: (lifecycle: EngineLifecycle) => void): Unsubscribe;
  onActivity(listener: (event: ActivityEvent) => void): Unsubscribe;
  /** The main process asks for a screen (the tray's "Restore a file…"). */
  onNavigate(listener: (request: NavigateRequest) => void): Unsubscribe;
}

/** Which HavreApi subscription method listens to which event. */
export const SUBSCRIPTIONS = {
  onProgress: 'job:progress',
  onResult: 'job:result',
  onStatus: 'status:changed',
  onEngineLifecycle: 'engine:lifecycle',
  onActivity: 'activity:added',
  onNavigate: 'app:navigate',
} as const satisfies Record<Exclude<keyof HavreApi, 'invoke'>, RendererEventName>;

export type EventListenerOf<E extends RendererEventName> = (payload: RendererEvents[E]) => void;
