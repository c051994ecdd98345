import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from 'node:worker_threads';

/**
 * Where a worker script is, and how to start it: the compiled .js normally; under the test runner,
 * which loads TypeScript sources, the .ts file through tsx.
 */
export function workerEntry(jsUrl: URL): { file: string; options: Pick<WorkerOptions, 'execArgv'> } {
  const js = fileURLToPath(jsUrl);
  if (existsSync(js)) return { file: js, options: {} };
  const ts = js.replace(/\.js$/, '.ts');
  return { file: ts, options: { execArgv: ['--import', 'tsx'] } };
}
