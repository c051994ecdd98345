import { auditedJob, recordBestEffort } from '../../audit/index.js';
import type { Repository } from '../../repo/index.js';
import { runPrune, type PruneResult } from '../prune/index.js';
import { applyRetention, type RetentionDecision, type RetentionPolicy } from './retentionPolicy.js';

export interface ForgetResult {
  readonly decision: RetentionDecision;
  readonly dryRun: boolean;
  readonly prune?: PruneResult;
}

/** Snapshot ids an event names at most (64 hex characters each: the appliance takes 16 KiB per event). */
const MAX_IDS_IN_EVENT = 100;

/** Applies a retention policy to the snapshot list, then optionally prunes what nothing uses. */
export async function runForget(repo: Repository, policy: RetentionPolicy, opts: { prune?: boolean; dryRun?: boolean; now?: Date } = {}): Promise<ForgetResult> {
  if (opts.dryRun) return forget(repo, policy, opts);
  return auditedJob(repo, 'forget', () => forget(repo, policy, opts), (r) => ({
    fields: { forgotten: r.decision.forget.length, forgottenIds: r.decision.forget.slice(0, 50).map((s) => s.id), kept: r.decision.keep.length, ...(r.prune ? { packsDeleted: r.prune.packsDeleted, bytesFreed: r.prune.bytesFreed } : {}) },
  }));
}

async function forget(repo: Repository, policy: RetentionPolicy, opts: { prune?: boolean; dryRun?: boolean; now?: Date }): Promise<ForgetResult> {
  await repo.sync();
  const decision = applyRetention(repo.listSnapshots().map((s) => ({ id: s.id, time: s.time, tags: s.tags })), policy, opts.now ?? new Date());
  const dryRun = opts.dryRun ?? false;
  if (!dryRun) {
    // Said before anything is deleted: a forget killed halfway must not look like a rollback (verify).
    if (decision.forget.length > 0) {
      recordBestEffort(repo.audit, 'snapshots.forgetting', { count: decision.forget.length, ids: decision.forget.slice(0, MAX_IDS_IN_EVENT).map((s) => s.id) });
    }
    for (const { id } of decision.forget) {
      await repo.store.requestDelete('snapshots', id);
      repo.catalog.removeSnapshot(id);
    }
  }
  if (!opts.prune) return { decision, dryRun };
  return { decision, dryRun, prune: await runPrune(repo, { dryRun }) };
}
