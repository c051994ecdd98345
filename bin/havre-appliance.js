#!/usr/bin/env node
// Entry point for `havre-appliance`: runs the compiled appliance CLI (build with `npm run build:main`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const main = fileURLToPath(new URL('../dist/appliance/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('havre-appliance: not built yet. Run `npm ci && npm run build:main` first.\n' +
    'havre-appliance : pas encore compilé. Lancez `npm ci && npm run build:main`.\n');
  process.exit(1);
}
await import(main);
