// ipcMain handlers, one per contract channel. Each checks who is asking (our window's top frame,
// our renderer's URL), validates the payload against the contract, then forwards to the engine.
// Handlers return IpcResult envelopes and never throw, so Electron never serialises an Error (and
// its stack) back to the page.

import type { IpcMainInvokeEvent } from 'electron';
import {
  CHANNELS,
  fail,
  ipcError,
  isValidRequest,
  sanitizeIpcError,
  type Channel,
  type IpcResult,
} from '../ipc/contract.js';
import type { SenderLike } from './senderCheck.js';

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcHandlerDeps {
  isTrustedSender: (event: SenderLike) => boolean;
  request: (channel: Channel, payload: unknown) => Promise<IpcResult<unknown>>;
  /** Local log of refused requests (no payload content). */
  log?: (line: string) => void;
}

export async function handleInvoke(
  channel: Channel,
  event: SenderLike,
  args: readonly unknown[],
  deps: IpcHandlerDeps,
): Promise<IpcResult<unknown>> {
  if (!deps.isTrustedSender(event)) {
    deps.log?.(`ipc: refused ${channel} from an untrusted sender`);
    return fail(ipcError('FORBIDDEN_SENDER'));
  }
  const payload = args[0];
  if (args.length > 1 || !isValidRequest(channel, payload)) {
    deps.log?.(`ipc: refused a malformed ${channel} request`);
    return fail(ipcError('INVALID_REQUEST'));
  }
  try {
    const result = await deps.request(channel, payload);
    return result.ok ? { ok: true, value: result.value } : fail(sanitizeIpcError(result.error));
  } catch {
    return fail(ipcError('INTERNAL'));
  }
}

/** Registers every channel; returns a function that removes them again. */
export function registerIpcHandlers(ipcMain: IpcMainLike, deps: IpcHandlerDeps): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, (event, ...args) => handleInvoke(channel, event, args, deps));
  }
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}
