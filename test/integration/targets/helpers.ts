// Shared by the targets tests (a repository on several targets, through the real `havre` CLI):
// source trees of random bytes, the CLI with a cloud copy's environment, what a bucket holds as
// seen by the fixture's admin key (every version, every lock), and the repository's objects on a
// folder or an appliance, to compare with it.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectVersionsCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { runHavre, type CliRun } from '../../helpers/cli.js';
import { describeTree } from '../../helpers/trees.js';
import { adminClient, s3Client, s3Fixture, type S3Credentials } from '../../s3/helpers.js';
import type { S3Client } from '@aws-sdk/client-s3';

export const PASSWORD = 'targets: a password for the tests';
export const KINDS = ['config', 'keys', 'data', 'index', 'snapshots'] as const;
export type Kind = (typeof KINDS)[number];

export interface ErrorDoc {
  error: { code: string; message: string; params: Record<string, string | number> };
}

export interface TargetDoc {
  name: string;
  role: 'primary' | 'copy';
  kind: 'fs' | 'appliance' | 's3';
  timing?: 'together' | 'after';
  state?: { pending: number; pendingBytes: number; stored: number; deleting: number };
}

export interface BackupDoc {
  snapshot: string;
  storedBytes: number;
  offline?: boolean;
  spool?: { objects: number; bytes: number };
}

export interface VerifyDoc {
  ok: boolean;
  snapshots: number;
  packs: number;
  packsRead: number;
  problems: { kind: string; object: string; reason: string }[];
}

export interface SyncDoc {
  ok: boolean;
  targets: { target: string; sent: number; pending: number; error: { code: string } | null }[];
}

export function tempRoot(prefix: string): { root: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** The fixture's admin key in the environment, as a headless machine gives it. */
export function s3Env(c?: S3Credentials): Record<string, string> {
  const f = s3Fixture();
  return { HAVRE_S3_ACCESS_KEY_ID: c?.accessKeyId ?? f.accessKeyId, HAVRE_S3_SECRET_ACCESS_KEY: c?.secretAccessKey ?? f.secretAccessKey };
}

/** A machine without a keychain: password and S3 key from the environment, its own HAVRE_HOME. */
export function machineEnv(root: string, name: string, extra: Record<string, string> = {}): Record<string, string> {
  return { HAVRE_HOME: join(root, name), HAVRE_PASSWORD: PASSWORD, HAVRE_KEYCHAIN: 'none', HAVRE_INSECURE_TEST_KDF: '1', ...s3Env(), ...extra };
}

export type Havre = (args: string[], extra?: Record<string, string>, input?: string) => Promise<CliRun>;

export function havreFor(env: Record<string, string>): Havre {
  return (args, extra = {}, input) => runHavre(args, { ...env, ...extra }, input !== undefined ? { input } : {});
}

/** Runs and expects exit 0 (with stderr in the failure message). */
export async function ok(h: Havre, args: string[], extra?: Record<string, string>, input?: string): Promise<CliRun> {
  const r = await h(args, extra, input);
  expect(r.code, `havre ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r;
}

/** The error document of a failed --json run (exit 1). */
export async function fails(h: Havre, args: string[], extra?: Record<string, string>, input?: string): Promise<ErrorDoc['error'] & { stderr: string }> {
  const r = await h(args, extra, input);
  expect(r.code, `havre ${args.join(' ')} should fail\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(1);
  return { ...r.json<ErrorDoc>().error, stderr: r.stderr };
}

/**
 * A source folder: `big` files of random bytes between minKiB and maxKiB (incompressible, so each
 * pack is really ~16 MiB), plus a few small text files and a subfolder.
 */
export function makeTree(dir: string, opts: { big?: number; minKiB?: number; maxKiB?: number; small?: number; seed?: string } = {}): string {
  const big = opts.big ?? 4;
  const min = opts.minKiB ?? 64;
  const max = opts.maxKiB ?? 256;
  mkdirSync(join(dir, 'docs', 'Été'), { recursive: true });
  for (let i = 0; i < big; i++) {
    const kib = min + Math.floor(Math.random() * (max - min + 1));
    writeFileSync(join(dir, i % 2 ? 'docs' : '.', `blob-${String(i).padStart(3, '0')}.bin`), randomBytes(kib * 1024 + (i % 7)));
  }
  for (let i = 0; i < (opts.small ?? 5); i++) writeFileSync(join(dir, 'docs', 'Été', `note-${i}.txt`), `${opts.seed ?? ''} note ${i}: ${randomBytes(8).toString('hex')}\n`);
  return dir;
}

/**
 * Restores `snapshot` (which backed up `src`, and the folders `also`) into a fresh folder and expects
 * the tree to equal `want` (default: `src` as it is now), byte for byte.
 */
export async function expectRestored(h: Havre, snapshot: string, src: string, out: string,
  opts: { args?: string[]; env?: Record<string, string>; want?: string; also?: string[] } = {}): Promise<CliRun> {
  const r = await ok(h, ['restore', snapshot, '--target', out, ...(opts.args ?? []), '--json'], opts.env);
  expect(r.json<{ partial: boolean }>().partial).toBe(false);
  for (const [tree, want] of [[src, opts.want ?? src], ...(opts.also ?? []).map((d) => [d, d])] as [string, string][]) {
    const expected = await describeTree(want);
    const got = await describeTree(join(out, tree));
    expect(got.size).toBe(expected.size);
    expect([...got.entries()]).toEqual([...expected.entries()]);
  }
  return r;
}

export async function pendingOf(h: Havre, name: string): Promise<number> {
  const r = await ok(h, ['target', 'list', '--json']);
  const t = r.json<{ targets: TargetDoc[] }>().targets.find((x) => x.name === name);
  expect(t, `target ${name} in ${r.stdout}`).toBeDefined();
  expect(t!.state, `target ${name} has a state (seeded) in ${r.stdout}`).toBeDefined();
  return t!.state!.pending;
}

export async function snapshotIds(h: Havre, args: string[] = [], extra?: Record<string, string>): Promise<string[]> {
  const r = await ok(h, ['snapshots', ...args, '--json'], extra);
  return r.json<{ id: string }[]>().map((s) => s.id).sort();
}

// ---- what a bucket holds --------------------------------------------------------------------

export interface KeyVersions {
  versions: { versionId: string; size: number }[];
  deleteMarkers: number;
}

const clients = new Map<string, S3Client>();

/** The fixture's admin client, or a client with a user's key (radosgw lets only the owner look into a user's bucket). */
function clientAs(as?: S3Credentials): S3Client {
  if (!as) return adminClient();
  let c = clients.get(as.accessKeyId);
  if (!c) clients.set(as.accessKeyId, (c = s3Client({ credentials: as, maxAttempts: 3 })));
  return c;
}

/** Every key under `prefix` with all its versions and delete markers, as the bucket's owner sees them. */
export async function bucketVersions(bucket: string, prefix = '', as?: S3Credentials): Promise<Map<string, KeyVersions>> {
  const out = new Map<string, KeyVersions>();
  const entry = (k: string): KeyVersions => {
    let e = out.get(k);
    if (!e) out.set(k, (e = { versions: [], deleteMarkers: 0 }));
    return e;
  };
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const r = await clientAs(as).send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
    for (const v of r.Versions ?? []) entry(v.Key!).versions.push({ versionId: v.VersionId ?? 'null', size: v.Size ?? -1 });
    for (const d of r.DeleteMarkers ?? []) entry(d.Key!).deleteMarkers++;
    if (!r.IsTruncated) break;
    keyMarker = r.NextKeyMarker;
    versionMarker = r.NextVersionIdMarker;
  }
  return out;
}

/** The repository's objects in a bucket, as `kind/name` (the probe of target add/check left out). */
export function repoKeys(all: Map<string, KeyVersions>, prefix: string): Map<string, KeyVersions> {
  const out = new Map<string, KeyVersions>();
  for (const [k, v] of all) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    const m = /^(config|keys|index|snapshots)\/([0-9a-f]{64})$/.exec(rest) ?? /^(data)\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(rest);
    if (m) out.set(`${m[1]}/${m[2]}`, v);
  }
  return out;
}

/**
 * Every repository object in the bucket has exactly one version and no delete marker (nothing sent
 * twice, nothing deleted), and, unless `lock` is null, Object Lock `lock` with a retain-until
 * date in the future. Returns the objects as `kind/name`.
 */
export async function expectBucketClean(bucket: string, prefix: string, lock: 'GOVERNANCE' | 'COMPLIANCE' | null = 'GOVERNANCE', as?: S3Credentials): Promise<Set<string>> {
  const objects = repoKeys(await bucketVersions(bucket, prefix, as), prefix);
  const twice = [...objects].filter(([, v]) => v.versions.length !== 1 || v.deleteMarkers !== 0).map(([k, v]) => `${k}: ${v.versions.length} versions, ${v.deleteMarkers} delete markers`);
  expect(twice).toEqual([]);
  const now = Date.now();
  const heads = await mapLimit([...objects.keys()], 8, (k) => headKey(bucket, prefix, k, as));
  for (const [i, k] of [...objects.keys()].entries()) {
    const h = heads[i]!;
    if (lock === null) {
      expect(h.ObjectLockMode, k).toBeUndefined();
      continue;
    }
    expect(h.ObjectLockMode, k).toBe(lock);
    expect(h.ObjectLockRetainUntilDate?.getTime(), k).toBeGreaterThan(now);
  }
  return new Set(objects.keys());
}

function keyOf(prefix: string, kindName: string): string {
  const [kind, name] = kindName.split('/') as [string, string];
  return kind === 'data' ? `${prefix}data/${name.slice(0, 2)}/${name}` : `${prefix}${kind}/${name}`;
}

export function headKey(bucket: string, prefix: string, kindName: string, as?: S3Credentials): Promise<HeadObjectCommandOutput> {
  return clientAs(as).send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(prefix, kindName) }));
}

async function mapLimit<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

/**
 * A repository's objects in a folder, as `kind/name`: a local repository (packs fanned out by their
 * first two hex digits) or an appliance's machine folder `objects/<machineId>` (every kind fanned out).
 */
export function folderObjects(root: string): Set<string> {
  const out = new Set<string>();
  for (const kind of KINDS) {
    const base = join(root, kind);
    if (!existsSync(base)) continue;
    for (const e of readdirSync(base)) {
      if (/^[0-9a-f]{64}$/.test(e)) out.add(`${kind}/${e}`);
      else if (/^[0-9a-f]{2}$/.test(e)) for (const f of readdirSync(join(base, e))) if (/^[0-9a-f]{64}$/.test(f)) out.add(`${kind}/${f}`);
    }
  }
  return out;
}

export function ofKind(objects: Set<string>, kind: Kind): string[] {
  return [...objects].filter((o) => o.startsWith(`${kind}/`)).map((o) => o.slice(kind.length + 1)).sort();
}

export { spawnHavre, type Child } from '../../helpers/cli.js';

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `target add s3` arguments for the fixture (plain HTTP endpoint unless told). */
export function addArgs(bucket: string, opts: { endpoint?: string; prefix?: string; name?: string; copy?: 'together' | 'after'; extra?: string[] } = {}): string[] {
  return ['target', 'add', 's3', '--endpoint', opts.endpoint ?? s3Fixture().endpoint, '--bucket', bucket,
    ...(opts.prefix !== undefined ? ['--prefix', opts.prefix] : []), ...(opts.name ? ['--name', opts.name] : []),
    ...(opts.copy ? ['--copy', opts.copy] : []), '--lock-days', '1', ...(opts.extra ?? []), '--json'];
}
