// One run against this machine's repository on its appliance, for the CLI and the desktop engine
// alike: what waits in the spool is sent first and last, and the appliance hears from the machine
// after each backup (and every 3 hours otherwise).
import { withRepository, type Repository } from '../repo/index.js';
import type { DrainResult } from '../store/spool/index.js';
import { heartbeatIfDue, machineStatus, type MachineStatus } from './heartbeat.js';
import type { MachineTarget } from './openApplianceRepo.js';

export interface MachineRunHooks {
  /** Called after each drain that had something to send (the caller says what was sent or dropped). */
  readonly onDrain?: (result: DrainResult, when: 'start' | 'end') => void;
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
    return await withRepository(target.store, { home, credentials: { source: target.source } }, async (repo) => {
      try {
        return await fn(repo);
      } finally {
        status = machineStatus(repo);
      }
    }, lockPurpose);
  } finally {
    const end = await drainIfWaiting(target).catch(() => null);
    if (end) hooks.onDrain?.(end, 'end');
    const pending = await target.store.pending().catch(() => undefined);
    if (status) await heartbeatIfDue(target, home, status, { force: lockPurpose === 'backup', ...(pending ? { spool: pending } : {}) });
  }
}
