// The password's scrypt (about 0.5 s, on the libuv pool) starts before the command's modules load
// (about 0.15 s on the main thread), so the two overlap instead of following each other. Only in the
// plain case: a repository folder, the password in HAVRE_PASSWORD, a command that unlocks with it.
// Anything unusual, and any error, leaves it to the command's own unlock, which reports it.
import { parseArgs } from 'node:util';
import { GLOBAL_OPTIONS, SESSION_OPTIONS } from './args.js';

/**
 * Commands that always unlock the repository with the password before anything else they do. A
 * command that might not unlock is left out: a derivation under way keeps the process alive.
 */
const UNLOCKING = new Set(['backup', 'snapshots', 'ls', 'restore', 'verify', 'forget', 'prune']);

/** Starts the password's derivation for the command about to run, when it is the plain case. */
export function startEarlyUnlock(command: string, argv: readonly string[]): void {
  const password = process.env.HAVRE_PASSWORD;
  if (!UNLOCKING.has(command) || !password) return;
  const { values } = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...SESSION_OPTIONS }, allowPositionals: true, strict: false });
  if (values['password-stdin'] || values['recovery-key-stdin'] || values.as !== undefined || values.from !== undefined) return;
  deriveFor(typeof values.repo === 'string' ? values.repo : undefined, password).catch(() => undefined);
}

async function deriveFor(repoFlag: string | undefined, password: string): Promise<void> {
  // Loaded here, not with main.ts: `havre help` and the commands that never unlock need none of it.
  const [{ deriveEarly }, { havreHome }, { readConfig, readKeyRecords }, { FsStore }, { repoTarget }] = await Promise.all([
    import('../engine/crypto/password.js'), import('../engine/home/homeConfig.js'), import('../engine/repo/keyRecords.js'),
    import('../engine/store/fs/FsStore.js'), import('./repoTarget.js')]);
  const target = await repoTarget(repoFlag, havreHome());
  if (target.kind !== 'fs') return;
  const store = await FsStore.open(target.path);
  const records = await readKeyRecords(store, (await readConfig(store)).config.repoId);
  // One record: the one the unlock will try. With several, a guess could waste a whole scrypt.
  if (records.length === 1) deriveEarly(password, records[0]!.user.privateKey.wrap);
}
