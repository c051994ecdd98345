// Messages between the main process and the engine utility process (DESIGN.md §1: the engine runs
// in a utilityProcess so the UI never stutters). They travel over a MessagePort: main creates a
// MessageChannelMain and hands one end to the engine with the 'init' message on its parentPort.
// The payloads are the contract's own types; every message is checked on arrival.

import type { MessagePortMain } from 'electron';
import type { MessagePort as NodeMessagePort } from 'node:worker_threads';
import {
  ENGINE_EVENTS,
  isChannel,
  isIpcError,
  isIpcResult,
  type Channel,
  type EngineEvent,
  type IpcError,
  type IpcResult,
} from '../ipc/contract.js';

/** Sent once on the utility process's parentPort, with the engine's end of the channel. */
export interface EngineInit {
  kind: 'init';
  /** Folder of the engine's own state (catalog, config). */
  home: string;
  /** A file:// URL of an EngineApi module to load instead of the engine service (unpackaged builds and tests only). */
  engineModule?: string;
}

export type MainToEngine =
  | { kind: 'request'; id: number; channel: Channel; payload: unknown }
  | { kind: 'shutdown' };

export type EngineToMain =
  | { kind: 'ready' }
  | { kind: 'response'; id: number; result: IpcResult<unknown> }
  | { kind: 'event'; event: EngineEvent }
  /** The engine could not start. `permanent` when retrying cannot help (e.g. its module is missing). */
  | { kind: 'fatal'; error: IpcError; permanent: boolean }
  | { kind: 'closed' };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRequestId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

export function isEngineInit(value: unknown): value is EngineInit {
  return (
    isObj(value) &&
    value.kind === 'init' &&
    typeof value.home === 'string' &&
    value.home.length > 0 &&
    (value.engineModule === undefined || (typeof value.engineModule === 'string' && value.engineModule.startsWith('file:')))
  );
}

export function isMainToEngine(value: unknown): value is MainToEngine {
  if (!isObj(value)) return false;
  if (value.kind === 'shutdown') return true;
  return value.kind === 'request' && isRequestId(value.id) && isChannel(value.channel);
}

function isEngineEvent(value: unknown): value is EngineEvent {
  return isObj(value) && (ENGINE_EVENTS as readonly unknown[]).includes(value.type) && isObj(value.payload);
}

export function isEngineToMain(value: unknown): value is EngineToMain {
  if (!isObj(value)) return false;
  switch (value.kind) {
    case 'ready':
    case 'closed':
      return true;
    case 'response':
      return isRequestId(value.id) && isIpcResult(value.result);
    case 'event':
      return isEngineEvent(value.event);
    case 'fatal':
      return isIpcError(value.error) && typeof value.permanent === 'boolean';
    default:
      return false;
  }
}

/** The few things both sides need from a message port, whatever its flavour. */
export interface PortLike {
  postMessage(message: unknown): void;
  onMessage(listener: (data: unknown) => void): void;
  close(): void;
}

/** Electron's MessagePortMain (main process and utility process). */
export function fromMessagePortMain(port: MessagePortMain): PortLike {
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage: (listener) => {
      port.on('message', (event) => listener(event.data));
      port.start();
    },
    close: () => port.close(),
  };
}

/** Node's worker_threads MessagePort (tests, and a headless host if one is ever wanted). */
export function fromNodeMessagePort(port: NodeMessagePort): PortLike {
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage: (listener) => {
      port.on('message', (data: unknown) => listener(data));
    },
    close: () => port.close(),
  };
}
