#!/usr/bin/env node
// Entry point for `npx havre`: runs the compiled CLI (build with `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const main = fileURLToPath(new URL('../dist/src-main/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('havre: not built yet. Run `npm ci && npm run build` (or scripts/setup.sh) first.\n' +
    'havre : pas encore compilé. Lancez `npm ci && npm run build` (ou scripts/setup.sh).\n');
  process.exit(1);
}
await import(main);
