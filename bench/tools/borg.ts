// Borg 1.x with its defaults except the mandatory encryption choice: repokey-blake2 (AES-256-CTR +
// keyed BLAKE2b-256; faster than repokey's HMAC-SHA256 on CPUs without SHA extensions), compression
// lz4 (borg's default, passed explicitly), buzhash chunker 19,23,21,4095 (≈ 2 MiB average chunks),
// files cache ctime,size,inode.
import { join } from 'node:path';
import { runMeasured } from '../lib/proc.js';
import { capture } from './exec.js';
import type { ToolContext, ToolRunner } from './types.js';

export function borgRunner(ctx: ToolContext): ToolRunner {
  let repo = '';
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    BORG_PASSPHRASE: ctx.password,
    BORG_BASE_DIR: ctx.stateDir, // ~/.config/borg and ~/.cache/borg live here, not in $HOME
    BORG_DISPLAY_PASSPHRASE: 'no',
    BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes',
    BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'no',
  });
  const run = (args: string[], cwd?: string): ReturnType<typeof runMeasured> =>
    runMeasured('borg', args, { env: env(), cwd, timeoutMs: ctx.timeoutMs, label: `borg ${args.join(' ')}` });
  let latest = '';
  const create = (archive: string, src: string): ReturnType<typeof runMeasured> => {
    latest = archive; // borg has no "latest": restore names the last archive made
    return run(['create', '--compression', 'lz4', `${repo}::${archive}`, src]);
  };
  return {
    name: 'borg',
    settings: [
      'encryption: `repokey-blake2` (AES-256-CTR + keyed BLAKE2b-256)',
      'compression: `lz4` (borg default, passed explicitly)',
      'chunking: default buzhash `19,23,21,4095` (512 KiB–8 MiB, ≈ 2 MiB average)',
      'files cache: default `ctime,size,inode`',
    ],
    async version() {
      const r = await capture('borg', ['--version']);
      return r.ok ? r.out.trim() : null;
    },
    init(repoDir) {
      repo = repoDir;
      return run(['init', '--encryption=repokey-blake2', repoDir]);
    },
    backup(src) {
      return create('full', src);
    },
    noopBackup(src) {
      return create('noop', src);
    },
    incrementalBackup(src) {
      return create('incremental', src);
    },
    restore(target) {
      // borg extract writes into the current directory
      return run(['extract', `${repo}::${latest}`], target);
    },
    restoredRoot(target, src) {
      return join(target, src.replace(/^\/+/, '')); // borg strips the leading '/'
    },
    repoDir: () => repo,
  };
}
