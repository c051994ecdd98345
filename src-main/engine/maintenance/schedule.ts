// When the proofs that restores work are due (DECISIONS.md "Scheduled verification"): a structural
// verification daily, each reading one slice of the packs' data (30 slices: every pack read once a
// month, more slices at once after days the machine was off so the month holds), and a restore
// test weekly. Pure: a state and a time in, what is due out; the state lives in
// `<home>/maintenance/<repoId>.json` (maintenanceState.ts).

import type { RestoreTestSummary } from '../../ipc/contract.js';

export type { RestoreTestSummary };

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Every pack's data is read once per this many daily verifications. */
export const READ_SLICES = 30;
export const VERIFY_EVERY_MS = DAY_MS;
export const RESTORE_TEST_EVERY_MS = 7 * DAY_MS;
/** The machine policy's retention is applied (forget) daily; what it forgot is pruned weekly. */
export const RETENTION_EVERY_MS = DAY_MS;
export const PRUNE_EVERY_MS = 7 * DAY_MS;


export interface MaintenanceState {
  /** ms; null: never. */
  readonly lastVerify: number | null;
  readonly nextSlice: number;
  readonly lastVerifyOk: boolean | null;
  readonly lastRestoreTest: RestoreTestSummary | null;
  /** ms of the last scheduled forget and prune; null: never. */
  readonly lastRetention: number | null;
  readonly lastPrune: number | null;
  /** Snapshots forgotten since the last prune: a prune with nothing to free is skipped. */
  readonly forgottenSincePrune: number;
}

export const NO_MAINTENANCE: MaintenanceState = { lastVerify: null, nextSlice: 0, lastVerifyOk: null, lastRestoreTest: null, lastRetention: null, lastPrune: null, forgottenSincePrune: 0 };

export interface DueTasks {
  /** The slices to read, when a verification is due. */
  readonly verify: readonly number[] | null;
  readonly restoreTest: boolean;
}

export function dueTasks(s: MaintenanceState, now: number): DueTasks {
  let verify: number[] | null = null;
  if (s.lastVerify === null || now - s.lastVerify >= VERIFY_EVERY_MS) {
    const missedDays = s.lastVerify === null ? 1 : Math.floor((now - s.lastVerify) / VERIFY_EVERY_MS);
    const k = Math.min(READ_SLICES, Math.max(1, missedDays));
    verify = Array.from({ length: k }, (_, i) => (s.nextSlice + i) % READ_SLICES);
  }
  const lastTest = s.lastRestoreTest ? Date.parse(s.lastRestoreTest.time) : null;
  return { verify, restoreTest: lastTest === null || !Number.isFinite(lastTest) || now - lastTest >= RESTORE_TEST_EVERY_MS };
}

/** The state after a verification that read `slices` (it completed, whatever it found). */
export function afterVerify(s: MaintenanceState, slices: readonly number[], ok: boolean, now: number): MaintenanceState {
  return { ...s, lastVerify: now, lastVerifyOk: ok, nextSlice: ((slices.at(-1) ?? s.nextSlice - 1) + 1) % READ_SLICES };
}

/**
 * Retention's rhythm (DECISIONS.md "Scheduled retention"): forget daily, prune weekly when something
 * was forgotten since the last prune (prune reads every tree and may rewrite packs: too heavy for
 * a laptop every day, and it frees nothing that forget did not give up).
 */
export function retentionDue(s: MaintenanceState, now: number): { forget: boolean; prune: boolean } {
  const forget = s.lastRetention === null || now - s.lastRetention >= RETENTION_EVERY_MS || now < s.lastRetention;
  const pruneTime = s.lastPrune === null || now - s.lastPrune >= PRUNE_EVERY_MS || now < s.lastPrune;
  return { forget, prune: forget && pruneTime };
}
