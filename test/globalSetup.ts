// Creates one repository template per test run: RSA-3072 key generation takes seconds, so each
// test copies this folder instead of running `havre init` (tests of init itself still run it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { runHavre } from './helpers/cli.js';

declare module 'vitest' {
  export interface ProvidedContext {
    repoTemplate: { repo: string; password: string; recoveryKey: string; repoId: string };
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'havre-template-'));
  const password = 'correct horse battery staple';
  const r = await runHavre(['init', '--repo', join(dir, 'repo'), '--json'], {
    HAVRE_HOME: join(dir, 'home'), HAVRE_PASSWORD: password, HAVRE_KEYCHAIN: 'none', HAVRE_INSECURE_TEST_KDF: '1',
  });
  if (r.code !== 0) throw new Error(`template init failed: ${r.stderr}`);
  const doc = r.json<{ recoveryKey: string; repoId: string }>();
  project.provide('repoTemplate', { repo: join(dir, 'repo'), password, recoveryKey: doc.recoveryKey, repoId: doc.repoId });
  return () => rmSync(dir, { recursive: true, force: true });
}
