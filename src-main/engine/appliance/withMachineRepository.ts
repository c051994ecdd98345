// One run against this machine's repository on its appliance, for the CLI and the desktop engine
// alike: what waits in the spool is sent first and last, and the appliance hears from the machine
// after each backup (and every 3 hours otherwise); every write job adds an event to its chain.
import { isHavreError } from '../errors/index.js';
import { withRepository, type Repository } from '../repo/index.js';
import type { Store } from '../store/index.js';
import type { DrainResult } from '../store/spool/index.js';
import { heartbeatIfDue, machineStatus, type MachineStatus } from './heartbeat.js';
import { pushEvents, recordEvent } from './eventOutbox.js';
import type { MachineTarget } from './openApplianceRepo.js';

export interface MachineRunHooks {
  /** Called after each drain that had something to send (the caller says what was sent or dropped). */
  readonly onDrain?: (result: DrainResult, when: 'start' | 'end') => void;
  /** The store to open the repository on, when not the appliance's alone (a set with cloud copies). */
  readonly store?: Store;
  /** A catalog of its own (reading one copy alone). */
  readonly catalogVariant?: string;
}

/** Best effort: an event that cannot be recorded or sent never fails the job it reports. */
async function reportJob(target: MachineTarget, home: string, job: string, status: MachineStatus, failure: unknown): Promise<void> {
  try {
    await recordEvent(home, target.ref, `job.${failure === null ? 'done' : 'failed'}`, {
      job,
      snapshots: status.snapshots,
      ...(status.lastBackup ? { lastSnapshot: status.lastBackup.snapshot } : {}),
      ...(failure !== null ? { error: isHavreError(failure) ? failure.code : 'INTERNAL' } : {}),
    });
    await pushEvents(home, target.ref, target.client);
  } catch {
    // Kept locally; the next job sends it.
  }
}

async function drainIfWaiting(target: MachineTarget): Promise<DrainResult | null> {
  if ((await target.store.pending()).objects === 0) return null;
  return target.store.drain();
}

export async function withMachineRepository<T>(target: MachineTarget, home: string, fn: (repo: Repository) => Promise<T>,
  lockPurpose?: string, hooks: MachineRunHooks = {}): Promise<T> {
  const start = await drainIfWaiting(target);
  if (start) hooks.onDrain?.(start, 'start');
  let status: MachineStatus | null = null;
  try {
    return await withRepository(hooks.store ?? target.store, { home, credentials: { source: target.source }, ...(hooks.catalogVariant !== undefined ? { catalogVariant: hooks.catalogVariant } : {}) }, async (repo) => {
      let failure: unknown = null;
      try {
        return await fn(repo);
      } catch (e) {
        failure = e;
        throw e;
      } finally {
        status = machineStatus(repo);
        // Write jobs leave an event in the machine's chain, under the lock that orders them.
        if (lockPurpose) await reportJob(target, home, lockPurpose, status, failure);
      }
    }, lockPurpose);
  } finally {
    const end = await drainIfWaiting(target).catch(() => null);
    if (end) hooks.onDrain?.(end, 'end');
    const pending = await target.store.pending().catch(() => undefined);
    if (status) await heartbeatIfDue(target, home, status, { force: lockPurpose === 'backup', ...(pending ? { spool: pending } : {}) });
  }
}
