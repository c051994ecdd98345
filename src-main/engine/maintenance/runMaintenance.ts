// Runs what is due of the scheduled verification and restore test on an open repository, and
// keeps the schedule's state. Called by the engine service hourly (beside continuous protection);
// each task records its own audit event (job.done / job.failed), which the alerts turn into
// notifications and the appliance into IT alerts.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors/index.js';
import { writeFileAtomic } from '../files/durable.js';
import { runForget, runPrune, runVerify, type ForgetResult, type RetentionPolicy, type VerifyResult } from '../jobs/index.js';
import type { Repository } from '../repo/index.js';
import { repairFromWorkstation, type RepairResult } from './repairFromWorkstation.js';
import { runRestoreTest, type RestoreTestResult } from './restoreTest.js';
import { afterVerify, dueTasks, NO_MAINTENANCE, READ_SLICES, retentionDue, type MaintenanceState } from './schedule.js';

export function maintenanceFile(home: string, repoId: string): string {
  return join(home, 'maintenance', `${repoId}.json`);
}

export async function readMaintenanceState(home: string, repoId: string): Promise<MaintenanceState> {
  try {
    const s = JSON.parse(await readFile(maintenanceFile(home, repoId), 'utf8')) as Partial<MaintenanceState>;
    const time = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    return { ...NO_MAINTENANCE, ...s, nextSlice: Number.isInteger(s.nextSlice) && s.nextSlice! >= 0 ? s.nextSlice! % READ_SLICES : 0,
      lastRetention: time(s.lastRetention), lastPrune: time(s.lastPrune),
      forgottenSincePrune: Number.isSafeInteger(s.forgottenSincePrune) && s.forgottenSincePrune! > 0 ? s.forgottenSincePrune! : 0 };
  } catch (e) {
    // Missing or damaged: everything is due again, which is the safe side.
    if (errnoCode(e) === 'ENOENT' || e instanceof SyntaxError) return NO_MAINTENANCE;
    throw e;
  }
}

async function writeState(home: string, repoId: string, s: MaintenanceState): Promise<void> {
  await mkdir(join(home, 'maintenance'), { recursive: true, mode: 0o700 });
  await writeFileAtomic(maintenanceFile(home, repoId), `${JSON.stringify(s)}\n`);
}

export interface MaintenanceRun {
  readonly verify: VerifyResult | null;
  /** When the verification found damage: what the workstation could store again. */
  readonly repair: RepairResult | null;
  readonly restoreTest: RestoreTestResult | null;
  readonly state: MaintenanceState;
}

export async function runMaintenance(repo: Repository, opts: { home: string; now?: number; sample?: number }): Promise<MaintenanceRun> {
  const repoId = repo.config.repoId;
  const now = opts.now ?? Date.now();
  let state = await readMaintenanceState(opts.home, repoId);
  const due = dueTasks(state, now);
  let verify: VerifyResult | null = null;
  let restoreTest: RestoreTestResult | null = null;
  let repair: RepairResult | null = null;
  if (due.verify) {
    verify = await runVerify(repo, { readDataSlices: { slices: due.verify, of: READ_SLICES } });
    state = afterVerify(state, due.verify, verify.ok, now);
    await writeState(opts.home, repoId, state);
    if (!verify.ok) repair = await repairFromWorkstation(repo, verify);
  }
  if (due.restoreTest && repo.listSnapshots().length > 0) {
    restoreTest = await runRestoreTest(repo, { home: opts.home, ...(opts.sample !== undefined ? { sample: opts.sample } : {}) });
    state = { ...state, lastRestoreTest: { time: new Date(now).toISOString(), sampled: restoreTest.sampled, identical: restoreTest.identical,
      verified: restoreTest.verified, failed: restoreTest.failed.length } };
    await writeState(opts.home, repoId, state);
  }
  return { verify, repair, restoreTest, state };
}

/** What a scheduled retention run did: null when none was due. */
export interface RetentionRun {
  readonly forget: ForgetResult;
  readonly state: MaintenanceState;
}

/**
 * The machine policy's retention, when due (daily; prune weekly): the writer's part of maintenance,
 * so the caller holds the repository's lock and no backup runs meanwhile (Protector.exclusive).
 * A run that fails leaves the state as it was: it is due again at the next check.
 */
export async function runRetention(repo: Repository, opts: { home: string; retention: RetentionPolicy; now?: number }): Promise<RetentionRun | null> {
  const repoId = repo.config.repoId;
  const now = opts.now ?? Date.now();
  const state = await readMaintenanceState(opts.home, repoId);
  const due = retentionDue(state, now);
  if (!due.forget || Object.keys(opts.retention).length === 0) return null;
  const forget = await runForget(repo, opts.retention, { now: new Date(now) });
  const forgotten = state.forgottenSincePrune + forget.decision.forget.length;
  const pruned = due.prune && forgotten > 0 ? await runPrune(repo) : undefined;
  const next: MaintenanceState = { ...state, lastRetention: now, ...(pruned ? { lastPrune: now, forgottenSincePrune: 0 } : { forgottenSincePrune: forgotten }) };
  await writeState(opts.home, repoId, next);
  return { forget: pruned ? { ...forget, prune: pruned } : forget, state: next };
}
