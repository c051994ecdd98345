import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HavreError } from '../../errors/index.js';

/**
 * The compiled worker script beside this module. When the engine runs from its TypeScript sources
 * (the test runner), the same script is taken from the build in dist/: worker threads cannot load
 * TypeScript, and Node does not apply loader hooks to a single worker.
 */
export function workerFile(jsUrl: URL): string {
  const js = fileURLToPath(jsUrl);
  if (existsSync(js)) return js;
  const marker = `${sep}src-main${sep}`;
  const at = js.lastIndexOf(marker);
  const built = at >= 0 ? js.slice(0, at) + `${sep}dist` + js.slice(at) : js;
  if (existsSync(built)) return built;
  throw new HavreError('INTERNAL', { reason: `worker script ${js} is missing; run npm run build` });
}
