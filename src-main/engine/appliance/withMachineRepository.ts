// One run against this machine's repository on its appliance, for the CLI and the desktop engine
// alike: what waits in the spool is sent first and last, and the appliance hears from the machine
// after each backup (and every 3 hours otherwise); every write job adds an event to its chain.
import { recordBestEffort } from '../audit/index.js';
import { withRepository, type Repository } from '../repo/index.js';
import type { Store } from '../store/index.js';
import type { DrainResult } from '../store/spool/index.js';
import { heartbeatIfDue, machineStatus, type MachineStatus } from './heartbeat.js';
import { migrateOutbox, pushEvents } from './eventOutbox.js';
import type { MachineTarget } from './openApplianceRepo.js';

export interface MachineRunHooks {
  /** Called after each drain that had something to send (the caller says what was sent or dropped). */
  readonly onDrain?: (result: DrainResult, when: 'start' | 'end') => void;
  /** The store to open the repository on, when not the appliance's alone (a set with cloud copies). */
  readonly store?: Store;
  /** A catalog of its own (reading one copy alone). */
  readonly catalogVariant?: string;
}

/**
 * Best effort: events that cannot be sent now wait in the audit log; the next run sends them. When
 * the appliance finds the chain broken (it raised CHAIN_BREAK for IT), the user is told too: the
 * event goes in the log, and the engine's alerts make it a notification.
 */
async function sendEvents(target: MachineTarget, home: string, repo: Repository): Promise<void> {
  try {
    const { chainOk } = await pushEvents(home, target.ref, target.client);
    if (!chainOk) recordBestEffort(repo.audit, 'appliance.chain-rejected', {});
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
  await migrateOutbox(home, target.ref).catch(() => undefined);
  const start = await drainIfWaiting(target);
  if (start) hooks.onDrain?.(start, 'start');
  let status: MachineStatus | null = null;
  try {
    return await withRepository(hooks.store ?? target.store, { home, credentials: { source: target.source }, ...(hooks.catalogVariant !== undefined ? { catalogVariant: hooks.catalogVariant } : {}) }, async (repo) => {
      try {
        return await fn(repo);
      } finally {
        status = machineStatus(repo);
        // The jobs left their events in the audit log (engine/audit); they go to the appliance now.
        await sendEvents(target, home, repo);
      }
    }, lockPurpose);
  } finally {
    const end = await drainIfWaiting(target).catch(() => null);
    if (end) hooks.onDrain?.(end, 'end');
    const pending = await target.store.pending().catch(() => undefined);
    if (status) await heartbeatIfDue(target, home, status, { force: lockPurpose === 'backup', ...(pending ? { spool: pending } : {}) });
  }
}
