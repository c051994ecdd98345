import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { runHavre, type CliRun } from './cli.js';

export interface RepoFixture {
  readonly dir: string;
  readonly repo: string;
  readonly home: string;
  readonly password: string;
  readonly recoveryKey: string;
  readonly env: Record<string, string>;
  havre(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<CliRun>;
  cleanup(): void;
}

/** A fresh copy of the run's template repository, with its own HAVRE_HOME (so its own catalog). */
export function newRepo(): RepoFixture {
  const t = inject('repoTemplate');
  const dir = mkdtempSync(join(tmpdir(), 'havre-test-'));
  const repo = join(dir, 'repo');
  cpSync(t.repo, repo, { recursive: true });
  const home = join(dir, 'home');
  const env = { HAVRE_HOME: home, HAVRE_PASSWORD: t.password, HAVRE_KEYCHAIN: 'none' };
  return {
    dir, repo, home, password: t.password, recoveryKey: t.recoveryKey, env,
    havre: (args, opts = {}) => runHavre([...args, '--repo', repo], { ...env, ...(opts.env ?? {}) }, opts.input !== undefined ? { input: opts.input } : {}),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
