// The password's scrypt (about 0.5 s, on the libuv pool) starts before the command's modules load
// (about 0.15 s on the main thread), so the two overlap instead of following each other. Only in the
// plain case: a repository folder, the password in HAVRE_PASSWORD, a command that unlocks with it.
// Anything unusual, and any error, leaves it to the command's own unlock, which reports it.
import { parseArgs } from 'node:util';
import { deriveEarly } from '../engine/crypto/password.js';
import { havreHome, isApplianceRef, isS3Ref, readHomeConfig } from '../engine/home/homeConfig.js';
import { readConfig, readKeyRecords } from '../engine/repo/keyRecords.js';
import { FsStore } from '../engine/store/fs/FsStore.js';
import { GLOBAL_OPTIONS, SESSION_OPTIONS } from './args.js';

/**
 * Commands that always unlock the repository with the password before anything else they do. A
 * command that might not unlock is left out: a derivation under way keeps the process alive.
 */
const UNLOCKING = new Set(['backup', 'snapshots', 'ls', 'restore', 'verify', 'forget', 'prune']);

/** The repository folder the command will unlock with HAVRE_PASSWORD, or null when it is not that simple. */
async function plainRepoFolder(command: string, argv: readonly string[]): Promise<string | null> {
  if (!UNLOCKING.has(command) || !process.env.HAVRE_PASSWORD) return null;
  const { values } = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...SESSION_OPTIONS }, allowPositionals: true, strict: false });
  if (values['password-stdin'] || values['recovery-key-stdin'] || values.as !== undefined || values.from !== undefined) return null;
  if (typeof values.repo === 'string') return values.repo;
  const repo = (await readHomeConfig(havreHome())).repo;
  return repo && !isApplianceRef(repo) && !isS3Ref(repo) ? repo.path : null;
}

/** Starts the password's derivation for the command about to run, when it is the plain case. */
export function startEarlyUnlock(command: string, argv: readonly string[]): void {
  void (async () => {
    const folder = await plainRepoFolder(command, argv);
    const password = process.env.HAVRE_PASSWORD;
    if (folder === null || !password) return;
    const store = await FsStore.open(folder);
    const records = await readKeyRecords(store, (await readConfig(store)).config.repoId);
    // One record: the one the unlock will try. With several, a guess could waste a whole scrypt.
    if (records.length === 1) deriveEarly(password, records[0]!.user.privateKey.wrap);
  })().catch(() => undefined);
}
