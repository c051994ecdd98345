import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HavreError, errnoCode } from '../errors/index.js';
import type { ObjectLockPolicy } from '../store/index.js';

/** Where configuration and catalogs live: HAVRE_HOME, else the platform's per-user config folder. */
export function havreHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HAVRE_HOME) return env.HAVRE_HOME;
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Havre');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Havre');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'havre');
}

/** A repository in a folder (local disk, USB drive, NAS mount): the embedded default. */
export interface FsRepoRef {
  readonly kind?: 'fs';
  readonly path: string;
  readonly repoId: string;
}

/**
 * This machine's repository on an appliance (PROTOCOL.md). The CA and the machine certificate are
 * public and live in `<home>/appliances/<applianceId>/`; the private keys are in the OS keychain.
 */
export interface ApplianceRepoRef {
  readonly kind: 'appliance';
  readonly url: string;
  readonly applianceId: string;
  readonly caFingerprint: string;
  readonly machineId: string;
  readonly repoId: string;
}

/**
 * A repository, or a copy of one, in S3-compatible storage (docs/TARGETS.md). One bucket or prefix
 * per machine; the access key is in the OS keychain, never here.
 */
export interface S3TargetRef {
  readonly kind: 's3';
  /** What the user calls it (`--target NAME`), unique among this machine's targets. */
  readonly name: string;
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  /** '' or ending with '/'. */
  readonly prefix: string;
  readonly addressing: 'path' | 'virtual';
  /** A PEM file with the CA of a private endpoint (on-premises S3); public CAs otherwise. */
  readonly caFile?: string;
  /** Object Lock on every object, or null when the user chose --no-lock. */
  readonly lock: ObjectLockPolicy | null;
  /** Uploads in flight at once (default 3): a laptop's uplink is shared with its user. */
  readonly parallel?: number;
  readonly repoId: string;
}

/** A second target holding a copy of the repository: sent with each object, or after each job. */
export interface CopyRef extends S3TargetRef {
  readonly timing: 'together' | 'after';
}

export type RepoRef = FsRepoRef | ApplianceRepoRef | S3TargetRef;

export function isApplianceRef(r: RepoRef): r is ApplianceRepoRef {
  return r.kind === 'appliance';
}

export function isS3Ref(r: RepoRef): r is S3TargetRef {
  return r.kind === 's3';
}

/** The name a repository's main target goes by: "local", "appliance", or the cloud target's name. */
export function primaryName(r: RepoRef): string {
  return isS3Ref(r) ? r.name : isApplianceRef(r) ? 'appliance' : 'local';
}

export interface HomeConfig {
  readonly version: 1;
  readonly repo?: RepoRef;
  /** Further targets holding copies of `repo` (cloud copies of an appliance or local repository). */
  readonly copies?: readonly CopyRef[];
}

export async function readHomeConfig(home: string): Promise<HomeConfig> {
  try {
    const o = JSON.parse(await readFile(join(home, 'config.json'), 'utf8')) as HomeConfig;
    return o && o.version === 1 ? o : { version: 1 };
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { version: 1 };
    if (e instanceof SyntaxError) throw new HavreError('USAGE', { detail: `${join(home, 'config.json')} is not valid JSON; fix or delete it` });
    throw e;
  }
}

export async function writeHomeConfig(home: string, config: HomeConfig): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const file = join(home, 'config.json');
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}

/** Where a repository is, for messages: its folder, its appliance's URL or its bucket. */
export function repoLocation(r: RepoRef): string {
  if (isS3Ref(r)) return s3Location(r);
  return isApplianceRef(r) ? r.url : r.path;
}

export function s3Location(r: Pick<S3TargetRef, 'bucket' | 'prefix' | 'endpoint'>): string {
  return `s3://${r.bucket}/${r.prefix} at ${r.endpoint}`;
}
