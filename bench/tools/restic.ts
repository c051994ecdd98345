// restic with its defaults: repository format of the installed version, compression "auto" (zstd where
// the format supports it), content-defined chunks of 512 KiB–8 MiB, its own local cache.
import { join } from 'node:path';
import { runMeasured } from '../lib/proc.js';
import { capture } from './exec.js';
import type { ToolContext, ToolRunner } from './types.js';

/** `opts.env`: more environment (the S3 runner's access key). */
export function resticRunner(ctx: ToolContext, opts: { env?: NodeJS.ProcessEnv } = {}): ToolRunner {
  let repo = '';
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    ...opts.env,
    RESTIC_PASSWORD: ctx.password,
    RESTIC_REPOSITORY: repo,
    RESTIC_CACHE_DIR: join(ctx.stateDir, 'cache'),
    XDG_CACHE_HOME: join(ctx.stateDir, 'xdg-cache'),
  });
  const run = (args: string[], cwd?: string): ReturnType<typeof runMeasured> =>
    runMeasured('restic', args, { env: env(), cwd, timeoutMs: ctx.timeoutMs, label: `restic ${args.join(' ')}` });
  return {
    name: 'restic',
    settings: [
      'repository format: `restic init` default of this version',
      'compression: default (`auto`)',
      'chunking: default (Rabin, 512 KiB–8 MiB)',
      'encryption: AES-256-CTR + Poly1305-AES (not configurable)',
      'cache: its own local cache (under the run state directory)',
    ],
    async version() {
      const r = await capture('restic', ['version']);
      return r.ok ? r.out.trim() : null;
    },
    init(repoDir) {
      repo = repoDir; // a folder, or `s3:URL/BUCKET` (restic-s3)
      return run(['-r', repoDir, 'init']);
    },
    backup(src) {
      return run(['-r', repo, 'backup', src]);
    },
    noopBackup(src) {
      return run(['-r', repo, 'backup', src]);
    },
    incrementalBackup(src) {
      return run(['-r', repo, 'backup', src]);
    },
    restore(target) {
      return run(['-r', repo, 'restore', 'latest', '--target', target]);
    },
    restoredRoot(target, src) {
      return join(target, src); // restic restores the absolute source path under the target
    },
    repoDir: () => repo,
  };
}
