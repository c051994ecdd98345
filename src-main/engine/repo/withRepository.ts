import type { Store } from '../store/index.js';
import { LocalLock } from './LocalLock.js';
import { Repository, type OpenOptions } from './Repository.js';

/**
 * Opens the repository, runs fn, and always closes it (wiping the keys). Writers name a purpose
 * and hold this machine's lock on the repository meanwhile (backup, forget, prune, repair).
 */
export async function withRepository<T>(store: Store, opts: OpenOptions, fn: (repo: Repository) => Promise<T>, lockPurpose?: string): Promise<T> {
  const repo = await Repository.open(store, opts);
  let lock: LocalLock | null = null;
  try {
    if (lockPurpose) lock = await LocalLock.acquire(Repository.catalogFile(opts.home, repo.config.repoId) + '.lock', lockPurpose);
    return await fn(repo);
  } finally {
    await lock?.release();
    repo.close();
  }
}
