// Havre through its CLI contract (`node bin/havre.js … --json`), with its defaults. The password and
// the keychain choice go through the environment; HAVRE_HOME keeps config and catalog in the run state.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstLine } from '../lib/util.js';
import { runMeasured } from '../lib/proc.js';
import { capture } from './exec.js';
import type { ToolContext, ToolRunner } from './types.js';

export interface HavreOptions {
  keychain: boolean;
  /** more environment (the S3 runner's access key) */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `havre ARGS` measured, with Havre's home in the run state. Without `keychain`, the OS
 * keychain is off (the fs runner's setting); the appliance runner needs it for the machine's keys.
 */
export function havreCommand(ctx: ToolContext, opts: HavreOptions): (args: string[]) => ReturnType<typeof runMeasured> {
  const bin = join(ctx.root, 'bin', 'havre.js');
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, HAVRE_HOME: join(ctx.stateDir, 'home'), HAVRE_PASSWORD: ctx.password };
  if (opts.keychain) delete env.HAVRE_KEYCHAIN;
  else env.HAVRE_KEYCHAIN = 'none';
  return (args) => runMeasured(process.execPath, [bin, ...args], { env, cwd: ctx.root, timeoutMs: ctx.timeoutMs, label: `havre ${args.join(' ')}` });
}

export function havreRunner(ctx: ToolContext, opts: HavreOptions = { keychain: false }): ToolRunner {
  let repo = '';
  const bin = join(ctx.root, 'bin', 'havre.js');
  const run = havreCommand(ctx, opts);
  return {
    name: 'havre',
    settings: ['all defaults of the CLI (`init --repo`, `backup`, `restore latest --target`), fs store, no keychain (`HAVRE_KEYCHAIN=none`)'],
    async version() {
      const r = await capture(process.execPath, [bin, '--version'], process.env, ctx.root);
      if (r.ok && r.out.trim()) return firstLine(r.out);
      try {
        const pkg = JSON.parse(readFileSync(join(ctx.root, 'package.json'), 'utf8')) as { version?: string };
        return `${pkg.version ?? '?'} (package.json)`;
      } catch {
        return null;
      }
    },
    init(repoDir) {
      repo = repoDir;
      return run(['init', '--repo', repoDir, '--json']);
    },
    backup(src) {
      return run(['backup', src, '--json']);
    },
    noopBackup(src) {
      return run(['backup', src, '--json']);
    },
    incrementalBackup(src) {
      return run(['backup', src, '--json']);
    },
    restore(target) {
      return run(['restore', 'latest', '--target', target, '--json']);
    },
    restoredRoot() {
      return null; // layout not fixed by the contract yet: detected after the restore
    },
    repoDir: () => repo,
  };
}
