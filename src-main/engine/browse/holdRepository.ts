// Keeps a repository open between requests (the restore browser answers in milliseconds, not the
// hundreds an unlock and a store listing take) through the very run functions the jobs use, so the
// same targets, spool, session and close-and-wipe logic apply. The keys stay in memory until release().
import type { Repository } from '../repo/index.js';

export interface HeldRepository {
  readonly repo: Repository;
  /** Ends the run: the repository closes and its keys are wiped. */
  release(): Promise<void>;
}

/** `run` opens a repository, calls its argument with it, and closes it once that settles. */
export function holdRepository(run: (use: (repo: Repository) => Promise<void>) => Promise<void>): Promise<HeldRepository> {
  return new Promise((resolve, reject) => {
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let opened = false;
    const done = run(async (repo) => {
      opened = true;
      resolve({ repo, release: async () => {
        release();
        await done.catch(() => undefined);
      } });
      await released;
    });
    done.catch((e: unknown) => {
      if (!opened) reject(e);
    });
  });
}
