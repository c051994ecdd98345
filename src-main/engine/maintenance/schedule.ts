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


export interface MaintenanceState {
  /** ms; null: never. */
  readonly lastVerify: number | null;
  readonly nextSlice: number;
  readonly lastVerifyOk: boolean | null;
  readonly lastRestoreTest: RestoreTestSummary | null;
}

export const NO_MAINTENANCE: MaintenanceState = { lastVerify: null, nextSlice: 0, lastVerifyOk: null, lastRestoreTest: null };

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
