import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HavreError, errnoCode, localFailure } from '../errors/index.js';
import { writeFileAtomic } from '../files/durable.js';
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
  /** Added by IT's machine policy (`targets`): kept in line with it, removed when it drops it. */
  readonly fromPolicy?: true;
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
  const file = join(home, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { version: 1 };
    throw e;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new HavreError('USAGE', { detail: `${file} is not valid JSON; fix or delete it` });
  }
  return parseHomeConfig(v, file);
}

// ---- validation: config.json is edited by hand, copied between machines, torn by a full disk ----

const HEX32 = /^[0-9a-f]{32}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks the members Havre reads, so that a damaged or hand-edited config.json is a clear USAGE
 * error naming the member, never a TypeError deep in a command. Members it does not know are kept
 * as they are (a newer version, or another part of the app, may have written them).
 */
export function parseHomeConfig(v: unknown, file: string): HomeConfig {
  const bad = (reason: string): never => {
    throw new HavreError('USAGE', { detail: `${file} is damaged (${reason}); fix or delete it` });
  };
  const obj = (x: unknown, where: string): Record<string, unknown> => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) bad(`${where} is not an object`);
    return x as Record<string, unknown>;
  };
  const str = (x: unknown, where: string, test: (s: string) => boolean = (s) => s.length > 0): string => {
    if (typeof x !== 'string' || !test(x) || x.includes('\0')) bad(`${where} is not valid`);
    return x as string;
  };
  const s3 = (x: unknown, where: string): void => {
    const o = obj(x, where);
    for (const k of ['name', 'endpoint', 'region', 'bucket']) str(o[k], `${where}.${k}`);
    if (typeof o.prefix !== 'string') bad(`${where}.prefix is not valid`);
    if (o.addressing !== 'path' && o.addressing !== 'virtual') bad(`${where}.addressing is not valid`);
    if (o.caFile !== undefined) str(o.caFile, `${where}.caFile`);
    if (o.lock !== null) {
      const l = obj(o.lock, `${where}.lock`);
      if ((l.mode !== 'GOVERNANCE' && l.mode !== 'COMPLIANCE') || typeof l.days !== 'number' || !(l.days > 0) || !Number.isFinite(l.days)) bad(`${where}.lock is not valid`);
    }
    if (o.parallel !== undefined && (!Number.isSafeInteger(o.parallel) || (o.parallel as number) < 1 || (o.parallel as number) > 64)) bad(`${where}.parallel is not valid`);
    str(o.repoId, `${where}.repoId`, (s) => HEX32.test(s));
  };
  const top = obj(v, 'the file');
  if (typeof top.version === 'number' && top.version > 1) {
    throw new HavreError('USAGE', { detail: `${file} was written by a newer version of Havre (version ${top.version}); update Havre` });
  }
  if (top.version !== 1) bad('version is not 1');
  if (top.repo !== undefined) {
    const r = obj(top.repo, 'repo');
    if (r.kind === undefined || r.kind === 'fs') {
      str(r.path, 'repo.path');
      // Informational for a folder: the repository's own config object says which it is.
      if (typeof r.repoId !== 'string') bad('repo.repoId is not valid');
    } else if (r.kind === 'appliance') {
      str(r.url, 'repo.url', (s) => /^https:\/\/[^\s/]+/.test(s));
      for (const k of ['applianceId', 'machineId', 'repoId']) str(r[k], `repo.${k}`, (s) => HEX32.test(s));
      str(r.caFingerprint, 'repo.caFingerprint', (s) => HEX64.test(s));
    } else if (r.kind === 's3') s3(r, 'repo');
    else bad('repo.kind is not fs, appliance or s3');
  }
  if (top.copies !== undefined) {
    if (!Array.isArray(top.copies)) bad('copies is not a list');
    (top.copies as unknown[]).forEach((c, i) => {
      s3(c, `copies[${i}]`);
      const t = (c as Record<string, unknown>).timing;
      if (t !== 'together' && t !== 'after') bad(`copies[${i}].timing is not valid`);
      const p = (c as Record<string, unknown>).fromPolicy;
      if (p !== undefined && p !== true) bad(`copies[${i}].fromPolicy is not valid`);
    });
  }
  if (top.folders !== undefined && (!Array.isArray(top.folders) || !top.folders.every((f) => typeof f === 'string' && f.length > 0))) bad('folders is not a list of paths');
  return top as unknown as HomeConfig;
}

export async function writeHomeConfig(home: string, config: HomeConfig): Promise<void> {
  try {
    await mkdir(home, { recursive: true, mode: 0o700 });
    // Durable and atomic: a full disk or a crash leaves the previous file, never a torn one.
    await writeFileAtomic(join(home, 'config.json'), JSON.stringify(config, null, 2) + '\n', 0o600);
  } catch (e) {
    throw localFailure(e, home) ?? e;
  }
}

/** Where a repository is, for messages: its folder, its appliance's URL or its bucket. */
export function repoLocation(r: RepoRef): string {
  if (isS3Ref(r)) return s3Location(r);
  return isApplianceRef(r) ? r.url : r.path;
}

export function s3Location(r: Pick<S3TargetRef, 'bucket' | 'prefix' | 'endpoint'>): string {
  return `s3://${r.bucket}/${r.prefix} at ${r.endpoint}`;
}
