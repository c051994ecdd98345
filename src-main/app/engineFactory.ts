// Loads the engine service (src-main/engine/service/index.js, written by the engine team) without
// a static import, so the app builds and type-checks before that module exists. Once it exists,
// the specifier can become a literal `import('../engine/service/index.js')` to get its types checked.

import type { EngineApi } from '../ipc/contract.js';

export interface EngineServiceOptions {
  /** Folder of the engine's own state (catalog, config). */
  home: string;
  /** Lower the engine process's CPU and I/O priority as the settings say (it runs in the background). */
  managePriority?: boolean;
}

export interface EngineServiceModule {
  createEngineService(opts: EngineServiceOptions): Promise<EngineApi>;
}

/** Relative to this file once compiled (dist/src-main/app/ → dist/src-main/engine/service/). */
export const ENGINE_SERVICE_SPECIFIER = '../engine/service/index.js';

export class EngineModuleError extends Error {
  override readonly name = 'EngineModuleError';
}

function isEngineServiceModule(value: unknown): value is EngineServiceModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    'createEngineService' in value &&
    typeof (value as { createEngineService: unknown }).createEngineService === 'function'
  );
}

/** Imports the engine module; `specifier` is a file:// URL override for tests and unpackaged builds. */
export async function loadEngineModule(specifier: string = ENGINE_SERVICE_SPECIFIER): Promise<EngineServiceModule> {
  let mod: unknown;
  try {
    mod = await import(specifier);
  } catch (error) {
    throw new EngineModuleError(`engine module could not be loaded (${specifier})`, { cause: error });
  }
  if (!isEngineServiceModule(mod)) {
    throw new EngineModuleError(`engine module has no createEngineService() (${specifier})`);
  }
  return mod;
}

export async function createEngine(opts: EngineServiceOptions, specifier?: string): Promise<EngineApi> {
  const mod = await loadEngineModule(specifier);
  return mod.createEngineService(opts);
}
