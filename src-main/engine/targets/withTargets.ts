// One run against this machine's targets: the repository opens on the TargetSet, the catalog
// starts recording what each target holds, and after every write job each copy catches up (the
// "after" copies, and whatever a "together" copy missed), so a run ends with every reachable
// target complete.
import { recordBestEffort } from '../audit/index.js';
import { withMachineRepository, type MachineRunHooks } from '../appliance/index.js';
import { withRepository, type Credentials, type Repository } from '../repo/index.js';
import { catchUp, type CatchUpOptions, type CatchUpResult } from './catchUp.js';
import type { OpenedTargets } from './openTargets.js';
import type { TargetSet } from './TargetSet.js';

export interface TargetRunHooks extends Omit<MachineRunHooks, 'store'> {
  /** After a write job: what each tracked target received and what still waits. */
  readonly onCatchUp?: (results: readonly CatchUpResult[]) => void;
  readonly catchUp?: CatchUpOptions;
}

/** Catches up every tracked target (copies, and a primary with Object Lock for its maintenance). */
export async function catchUpAll(set: TargetSet, repo: Repository, opts: CatchUpOptions = {}): Promise<CatchUpResult[]> {
  const results: CatchUpResult[] = [];
  for (const t of set.targets) {
    if (!set.tracked(t)) continue;
    results.push(await catchUp(set, repo.catalog.targets, t, opts));
  }
  return results;
}

export async function withTargets<T>(opened: OpenedTargets, opts: { home: string; credentials?: Credentials }, fn: (repo: Repository) => Promise<T>,
  lockPurpose?: string, hooks: TargetRunHooks = {}): Promise<T> {
  const { set, machine } = opened;
  set.beginRun();
  const run = async (repo: Repository): Promise<T> => {
    set.bind(repo.catalog.targets);
    try {
      return await fn(repo);
    } finally {
      if (lockPurpose) {
        const results = await catchUpAll(set, repo, hooks.catchUp);
        // The upload to each target is an event of its own (the journal of externalisations).
        for (const r of results) {
          recordBestEffort(repo.audit, r.error === null && r.unreadable === 0 ? 'upload.done' : 'upload.failed', {
            target: r.target, sent: r.sent, bytes: r.bytes, pending: r.pending, unreadable: r.unreadable, deleted: r.deleted,
            ...(r.error !== null ? { error: r.error.code } : {}),
          });
        }
        hooks.onCatchUp?.(results);
      }
    }
  };
  const variant = opened.copyAlone !== null ? { catalogVariant: opened.copyAlone } : {};
  if (machine) return withMachineRepository(machine, opts.home, run, lockPurpose, { ...hooks, store: set, ...variant });
  return withRepository(set, { home: opts.home, credentials: opts.credentials ?? {}, ...variant }, run, lockPurpose);
}
