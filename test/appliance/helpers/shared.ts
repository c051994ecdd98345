// Things made once per test run and shared by the appliance test files (each a separate
// process): the first caller makes it under a lock folder, the others wait for its "ready" mark.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';

function sharedRoot(): string {
  try {
    const dir = inject('applianceShared');
    if (dir) return dir;
  } catch {
    // not under the project's global set-up: fall through
  }
  return mkdtempSync(join(tmpdir(), 'havre-appliance-shared-'));
}

const root = sharedRoot();

/** Runs `make(dir)` once per run for `name`; every caller gets the same folder back. */
export async function once(name: string, make: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(root, name);
  const ready = join(root, `${name}.ready`);
  if (existsSync(ready)) return dir;
  let mine: boolean;
  try {
    mkdirSync(join(root, `${name}.lock`));
    mine = true;
  } catch {
    mine = false;
  }
  if (mine) {
    mkdirSync(dir, { recursive: true });
    await make(dir);
    writeFileSync(ready, '');
    return dir;
  }
  const deadline = Date.now() + 120_000;
  while (!existsSync(ready)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the shared ${name}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return dir;
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export function writeJson(file: string, v: unknown): void {
  writeFileSync(file, JSON.stringify(v));
}
