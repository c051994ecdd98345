// Entry point of the engine utility process (utilityProcess.fork from main.ts). It waits for the
// 'init' message that carries its end of the MessagePort, loads the engine service and serves it.
// Nothing here touches windows or the renderer; the engine itself never imports electron.

import type { MessageEvent } from 'electron';
import type { EngineApi } from '../ipc/contract.js';
import { ipcError } from '../ipc/contract.js';
import { boundHeapGrowth } from '../engine/runtime/heapGrowth.js';
import { mapEngineError } from './engineErrors.js';
import { createEngine, EngineModuleError } from './engineFactory.js';
import { serveEngine } from './engineHost.js';
import { fromMessagePortMain, isEngineInit, type EngineToMain } from './engineWire.js';

const log = (line: string): void => {
  process.stderr.write(`[havre-engine] ${line}\n`);
};

function start(event: MessageEvent): void {
  const [rawPort] = event.ports;
  if (!isEngineInit(event.data) || rawPort === undefined) {
    log('bad init message; exiting');
    process.exit(2);
  }
  const init = event.data;
  const port = fromMessagePortMain(rawPort);
  const post = (message: EngineToMain): void => port.postMessage(message);

  const engine: Promise<EngineApi> = createEngine({ home: init.home, managePriority: true }, init.engineModule);
  serveEngine(port, engine, {
    mapError: mapEngineError,
    log,
    onClosed: () => setTimeout(() => process.exit(0), 50),
  });
  engine.catch((error: unknown) => {
    const permanent = error instanceof EngineModuleError;
    const reported = mapEngineError(error) ?? ipcError(permanent ? 'ENGINE_FAILED' : 'ENGINE_UNAVAILABLE');
    log(`engine failed to start: ${error instanceof Error ? error.message : 'unknown error'}`);
    post({ kind: 'fatal', error: reported, permanent });
    setTimeout(() => process.exit(1), 50);
  });
}

boundHeapGrowth();
process.parentPort.once('message', start);
