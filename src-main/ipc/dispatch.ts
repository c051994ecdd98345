// Routes a validated request to the matching EngineApi method and wraps the outcome in an
// IpcResult. Used by the engine process (src-main/app/engineHost.ts) and the renderer test bridge,
// so both apply the same validation and the same error scrubbing.

import {
  ipcError,
  isChannel,
  isIpcError,
  isValidRequest,
  sanitizeIpcError,
  type Channel,
  type EngineApi,
  type IpcError,
  type IpcResult,
  type RequestOf,
  type ResponseOf,
} from './contract.js';

type EngineHandlers = { [C in Channel]: (api: EngineApi, request: RequestOf<C>) => Promise<ResponseOf<C>> };

/** Channel → EngineApi method: the one place where the two names meet. */
export const ENGINE_HANDLERS: EngineHandlers = {
  'engine:status': (api) => api.status(),
  'snapshots:list': (api) => api.listSnapshots(),
  'snapshot:ls': (api, request) => api.listTree(request),
  'backup:start': (api) => api.startBackup(),
  'restore:start': (api, request) => api.startRestore(request),
  'job:cancel': (api, request) => api.cancelJob(request),
  'protection:pause': (api, request) => api.pause(request),
  'protection:resume': (api) => api.resume(),
  'protection:failures': (api) => api.listFailures(),
  'settings:get': (api) => api.getSettings(),
  'settings:set': (api, request) => api.setSettings(request),
  'browse:snapshots': (api, request) => api.browseSnapshots(request),
  'browse:list': (api, request) => api.browseList(request),
  'browse:versions': (api, request) => api.fileVersions(request),
  'browse:search': (api, request) => api.search(request),
  'browse:preview': (api, request) => api.preview(request),
  'session:open': (api, request) => api.openSession(request),
  'session:close': (api, request) => api.closeSession(request),
  'activity:list': (api, request) => api.listActivity(request),
  'stats:history': (api) => api.backupHistory(),
  'setup:get': (api) => api.getSetup(),
  'appliance:enroll': (api, request) => api.enroll(request),
  'appliance:password': (api, request) => api.setRestorePassword(request),
};

/** Turns an error the engine threw into an IpcError, or undefined to fall back to INTERNAL. */
export type ErrorMapper = (error: unknown) => IpcError | undefined;

/**
 * The IpcError for anything thrown. Only errors the mapper recognises, or plain IpcError objects,
 * keep their code and messages; everything else becomes INTERNAL, so no stack, path or secret in a
 * raw Error message can cross the boundary.
 */
export function toIpcError(error: unknown, mapError?: ErrorMapper): IpcError {
  const mapped = mapError?.(error);
  if (mapped !== undefined) return sanitizeIpcError(mapped);
  if (isIpcError(error)) return sanitizeIpcError(error);
  return ipcError('INTERNAL');
}

export interface DispatchOptions {
  mapError?: ErrorMapper;
  /** Called with errors that became INTERNAL, for the local log. */
  onInternalError?: (channel: Channel, error: unknown) => void;
}

export function callEngine<C extends Channel>(api: EngineApi, channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const handler = ENGINE_HANDLERS[channel];
  return handler(api, request);
}

/** Validates channel and payload, calls the engine, never throws. */
export async function dispatchRequest(
  api: EngineApi,
  channel: unknown,
  payload: unknown,
  options: DispatchOptions = {},
): Promise<IpcResult<unknown>> {
  if (!isChannel(channel)) return { ok: false, error: ipcError('UNKNOWN_CHANNEL') };
  if (!isValidRequest(channel, payload)) return { ok: false, error: ipcError('INVALID_REQUEST') };
  try {
    const value: unknown = await callEngine(api, channel, payload);
    return { ok: true, value };
  } catch (error) {
    const ipcErr = toIpcError(error, options.mapError);
    if (ipcErr.code === 'INTERNAL') options.onInternalError?.(channel, error);
    return { ok: false, error: ipcErr };
  }
}
