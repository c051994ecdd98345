// How an error of the engine crosses to the window: an engine error keeps its code and both
// messages (its params — paths, ids — stay in the engine); anything else becomes INTERNAL in the
// dispatcher, so no stack, path or secret of an unexpected error reaches the page.

import { isHavreError } from '../engine/errors/index.js';
import type { IpcError } from '../ipc/contract.js';

export function mapEngineError(error: unknown): IpcError | undefined {
  if (!isHavreError(error)) return undefined;
  return { code: error.code, message: error.userMessage('en'), messageFr: error.userMessage('fr') };
}
