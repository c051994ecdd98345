// IT's cloud copies (machine policy `targets`, issue 8; docs/DEPLOYMENT.md). Each becomes a copy of
// this machine's repository, sent after each backup (a laptop's uplink is shared with its user),
// under a prefix made this machine's ({host}, {user}). A copy is added only once it can work: the
// machine's own access key is there (keychain or environment: one credential per machine, never
// in the policy, which every local account can read), the bucket takes backups (Object Lock when
// the policy locks), and the prefix holds nothing or this very repository, so two machines given
// the same prefix never mix their objects. Until then the reason is reported, and the next look
// tries again. Copies the policy drops are removed from this machine; what they hold stays.
import type { IpcError } from '../../ipc/contract.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { primaryName, readHomeConfig, writeHomeConfig, type CopyRef } from '../home/homeConfig.js';
import type { Keychain } from '../keychain/index.js';
import { ipcError, type PolicyTarget } from '../policy/index.js';
import { readConfig } from '../repo/index.js';
import type { ObjectLockPolicy } from '../store/index.js';
import { normalisePrefix } from '../store/s3/objectKeys.js'; // not the barrel: it would load the S3 SDK
import { refuseIfUnfit } from './bucketFitness.js';
import { openS3Target } from './openTargets.js';

/** The lock of a copy when the policy says nothing (as `havre target add`). */
const DEFAULT_LOCK_DAYS = 30;

export interface PolicyTargetsOptions {
  readonly home: string;
  readonly targets: readonly PolicyTarget[] | undefined;
  /** Opened only when a copy is to be checked (most calls find nothing to do). */
  readonly keychain: () => Promise<{ keychain: Keychain | null; reason?: string }>;
  readonly host: string;
  readonly user: string;
}

/** A policy copy not in place, and why (POLICY_TARGET_PENDING, POLICY_TARGET_CONFLICT). */
export interface PolicyTargetProblem {
  readonly target: string;
  readonly error: IpcError;
}

export interface PolicyTargetsResult {
  /** config.json changed: copies added, updated or removed. */
  readonly changed: boolean;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly problems: readonly PolicyTargetProblem[];
}

/** A host or user name as one path segment of a prefix. */
function segment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+$/, '_') || '_';
}

function lockOf(t: PolicyTarget): ObjectLockPolicy | null {
  if (t.lockMode === 'none') return null;
  return { mode: t.lockMode === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE', days: t.lockDays ?? DEFAULT_LOCK_DAYS };
}

/** The copy a policy target means on this machine. Pure. */
export function copyFromPolicy(t: PolicyTarget, repoId: string, who: { host: string; user: string }): CopyRef {
  const prefix = normalisePrefix((t.prefix ?? '').replaceAll('{host}', segment(who.host)).replaceAll('{user}', segment(who.user)));
  return { kind: 's3', name: t.name, endpoint: t.endpoint, region: t.region ?? 'us-east-1', bucket: t.bucket, prefix, addressing: t.addressing ?? 'path',
    lock: lockOf(t), repoId, timing: 'after', fromPolicy: true };
}

/** The copy can be used: credentials, a bucket fit for backups, a prefix free or already ours. */
async function checkCopy(ref: CopyRef, access: { keychain: Keychain | null; reason?: string }): Promise<void> {
  const store = await openS3Target(ref, access.keychain, access.reason !== undefined ? { keychainReason: access.reason } : {});
  try {
    refuseIfUnfit(await store.inspect(), ref.lock, ref.bucket);
    let holder: string | null = null;
    try {
      holder = (await readConfig(store)).config.repoId;
    } catch (e) {
      if (!isHavreError(e, 'NOT_A_REPO')) throw e;
    }
    if (holder !== null && holder !== ref.repoId) throw new HavreError('S3_PREFIX_TAKEN', { bucket: ref.bucket, prefix: ref.prefix, repoId: holder });
  } finally {
    store.close();
  }
}

/** Brings this machine's copies in line with the policy's `targets`. Never throws for one bad target. */
export async function applyPolicyTargets(opts: PolicyTargetsOptions): Promise<PolicyTargetsResult> {
  const cfg = await readHomeConfig(opts.home);
  const none: PolicyTargetsResult = { changed: false, added: [], removed: [], problems: [] };
  if (!cfg.repo) return none; // copies of nothing: they come with the repository
  const wanted = opts.targets ?? [];
  const before = cfg.copies ?? [];
  if (wanted.length === 0 && !before.some((c) => c.fromPolicy)) return none;
  const names = new Set(wanted.map((t) => t.name));
  let access: { keychain: Keychain | null; reason?: string } | null = null;
  let copies = before.filter((c) => !c.fromPolicy || names.has(c.name));
  const removed = before.filter((c) => !copies.includes(c)).map((c) => c.name);
  const added: string[] = [];
  const problems: PolicyTargetProblem[] = [];
  const primary = primaryName(cfg.repo);
  const pending = (target: string, e: HavreError): void => {
    problems.push({ target, error: ipcError(new HavreError('POLICY_TARGET_PENDING', { target, reason: e.userMessage('en'), reasonFr: e.userMessage('fr') }, { cause: e })) });
  };
  for (const t of wanted) {
    let ref: CopyRef;
    try {
      ref = copyFromPolicy(t, cfg.repo.repoId, opts);
    } catch (e) {
      if (!isHavreError(e)) throw e;
      pending(t.name, e);
      continue;
    }
    const current = copies.find((c) => c.name === t.name);
    if (t.name === primary || (current && !current.fromPolicy)) {
      problems.push({ target: t.name, error: ipcError(new HavreError('POLICY_TARGET_CONFLICT', { target: t.name })) });
      continue;
    }
    if (current && JSON.stringify(current) === JSON.stringify(ref)) continue;
    try {
      access ??= await opts.keychain();
      await checkCopy(ref, access);
    } catch (e) {
      if (!isHavreError(e)) throw e;
      pending(t.name, e);
      continue; // a copy already in place under older settings goes on as it was
    }
    copies = [...copies.filter((c) => c.name !== t.name), ref];
    added.push(t.name);
  }
  const changed = JSON.stringify(copies) !== JSON.stringify(before);
  if (changed) await writeHomeConfig(opts.home, { ...cfg, copies });
  return { changed, added, removed, problems };
}
