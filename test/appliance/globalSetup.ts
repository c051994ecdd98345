// One shared folder per test run, where the first appliance test file to need them makes an
// appliance template and escrow records (RSA-3072 generation costs seconds each) that the others
// copy. Creates nothing else: a run without appliance tests pays for one empty folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    applianceShared: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'havre-appliance-shared-'));
  project.provide('applianceShared', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
