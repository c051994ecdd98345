// Opening the configured targets of this machine (home config: `repo` and `copies`) as one
// TargetSet, for the CLI and the desktop engine alike.
import { readFile } from 'node:fs/promises';
import { openMachineTarget, type ClientTuning, type MachineTarget } from '../appliance/index.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { DEFAULT_RETRY } from '../net/index.js';
import { isApplianceRef, isS3Ref, primaryName, type CopyRef, type HomeConfig, type RepoRef, type S3TargetRef } from '../home/homeConfig.js';
import type { Keychain } from '../keychain/index.js';
import { FsStore, type Store } from '../store/index.js';
import type { S3Store } from '../store/s3/index.js';
import { loadS3Credentials } from './s3Credentials.js';
import type { Target } from './Target.js';
import { TargetSet } from './TargetSet.js';
import { UnavailableStore } from './UnavailableStore.js';

/** Uploads in flight to one bucket at once, when the target does not say. */
export const DEFAULT_PARALLEL_UPLOADS = 3;

export interface OpenTargetsOptions {
  readonly home: string;
  readonly keychain: Keychain | null;
  readonly keychainReason?: string;
  /** Retries and bandwidth limits (shared by every target: one laptop, one uplink). */
  readonly tuning?: ClientTuning;
  /** `--target NAME`: read and write that target only. */
  readonly only?: string;
  /** Read-only commands: a primary out of reach gives way to a copy, even for listing. */
  readonly forReading?: boolean;
  /** A long-running engine keeps the appliance's SECRET in memory (backups go on while it is away). */
  readonly cacheSecret?: boolean;
}

export interface OpenedTargets {
  readonly set: TargetSet;
  /** The appliance side when the repository lives on one (its keys unlock every target). */
  readonly machine: MachineTarget | null;
  /** Set when one copy is read on its own (`--from NAME`): it gets a catalog of its own. */
  readonly copyAlone: string | null;
  close(): void;
}

/** Every target's name, primary first. */
export function targetNames(cfg: HomeConfig): string[] {
  return cfg.repo ? [primaryName(cfg.repo), ...(cfg.copies ?? []).map((c) => c.name)] : [];
}

export async function openS3Target(ref: S3TargetRef, keychain: Keychain | null, opts: { keychainReason?: string; tuning?: ClientTuning } = {}): Promise<S3Store> {
  const credentials = await loadS3Credentials(keychain, ref, opts.keychainReason);
  let caPem: string | undefined;
  if (ref.caFile !== undefined) {
    try {
      caPem = await readFile(ref.caFile, 'utf8');
    } catch {
      throw new HavreError('USAGE', { detail: `the CA file ${ref.caFile} of target ${ref.name} cannot be read` });
    }
  }
  const t = opts.tuning;
  // Loaded here, not at the top: the S3 SDK is about 0.1 s of start-up that a run without a cloud target never needs.
  const { S3Store } = await import('../store/s3/index.js');
  return new S3Store({
    endpoint: ref.endpoint, region: ref.region, bucket: ref.bucket, prefix: ref.prefix, addressing: ref.addressing,
    ...(caPem !== undefined ? { caPem } : {}), credentials, lock: ref.lock, targetName: ref.name,
    // One more socket than uploads, so a read (catch-up's source, a restore) never waits behind them.
    maxSockets: (ref.parallel ?? DEFAULT_PARALLEL_UPLOADS) + 1,
    ...(t?.retry ? { retry: { ...DEFAULT_RETRY, ...t.retry } } : {}), ...(t?.upload ? { upload: t.upload } : {}), ...(t?.download ? { download: t.download } : {}),
  });
}

async function openFs(path: string, forReading: boolean): Promise<Store> {
  try {
    return await FsStore.open(path);
  } catch (e) {
    // An unplugged drive: reading falls back to a copy; writing says so (loses nothing).
    if (forReading && isHavreError(e, 'REPO_NOT_FOUND')) return new UnavailableStore(path, e);
    throw e;
  }
}

export async function openTargets(cfg: HomeConfig, opts: OpenTargetsOptions): Promise<OpenedTargets> {
  const repo: RepoRef | undefined = cfg.repo;
  if (!repo) throw new HavreError('NO_REPO_CONFIGURED');
  const copies: readonly CopyRef[] = cfg.copies ?? [];
  const names = targetNames(cfg);
  if (opts.only !== undefined && !names.includes(opts.only)) throw new HavreError('TARGET_UNKNOWN', { name: opts.only, names: names.join(', ') });
  const wanted = (name: string): boolean => opts.only === undefined || opts.only === name;
  const closers: (() => void)[] = [];
  const close = (): void => {
    for (const c of closers.reverse()) c();
  };
  try {
    const targets: Target[] = [];
    let machine: MachineTarget | null = null;
    const s3Opts = { ...(opts.keychainReason !== undefined ? { keychainReason: opts.keychainReason } : {}), ...(opts.tuning ? { tuning: opts.tuning } : {}) };
    if (isApplianceRef(repo)) {
      // Needed even to read a copy: the appliance holds the keys that unlock it.
      machine = await openMachineTarget(opts.home, repo, opts.keychain, { cache: opts.cacheSecret ?? false, ...s3Opts });
      closers.push(() => machine?.close());
      if (wanted('appliance')) targets.push({ name: 'appliance', store: machine.store, role: 'primary', timing: 'together', place: 'lan' });
    } else if (isS3Ref(repo)) {
      if (wanted(repo.name)) {
        const s = await openS3Target(repo, opts.keychain, s3Opts);
        closers.push(() => s.close());
        targets.push({ name: repo.name, store: s, role: 'primary', timing: 'together', place: 'cloud', ...(repo.parallel !== undefined ? { parallel: repo.parallel } : {}) });
      }
    } else if (wanted('local')) {
      targets.push({ name: 'local', store: await openFs(repo.path, opts.forReading ?? false), role: 'primary', timing: 'together', place: 'local' });
    }
    for (const c of copies) {
      if (!wanted(c.name)) continue;
      const s = await openS3Target(c, opts.keychain, s3Opts);
      closers.push(() => s.close());
      // Chosen alone with --target, a copy is read (and listed) as the repository itself.
      targets.push({ name: c.name, store: s, role: opts.only === c.name ? 'primary' : 'copy', timing: c.timing, place: 'cloud', ...(c.parallel !== undefined ? { parallel: c.parallel } : {}) });
    }
    const set = new TargetSet(targets, { listFromCopies: opts.forReading ?? false });
    const copyAlone = opts.only !== undefined && copies.some((c) => c.name === opts.only) ? opts.only : null;
    return { set, machine, copyAlone, close };
  } catch (e) {
    close();
    throw e;
  }
}
