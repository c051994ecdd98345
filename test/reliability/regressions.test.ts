// One deterministic test per bug the reliability scenarios found (docs/RELIABILITY.md, "found and
// fixed"): each failed before its fix, whatever the seed.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newConfig, parseConfig as parseApplianceConfig } from '../../appliance/config/config.js';
import { ProtocolViolation } from '../../src-main/engine/appliance/protocol.js';
import { HavreError } from '../../src-main/engine/errors/index.js';
import { applyRetention, runBackup, runForget, runRestore, type RetentionPolicy } from '../../src-main/engine/jobs/index.js';
import { parseRepoConfig } from '../../src-main/engine/repo/config/RepoConfig.js';
import { DOC_KIND, sealDocument } from '../../src-main/engine/repo/document.js';
import { Repository, withRepository } from '../../src-main/engine/repo/index.js';
import { FsStore, objectName } from '../../src-main/engine/store/index.js';
import { runHavre } from '../helpers/cli.js';
import { openRepo, putBlob } from '../helpers/forge.js';
import { newRepo, type RepoFixture } from '../helpers/repoFixture.js';
import { describeTree } from '../helpers/trees.js';
import { FaultyStore } from './helpers/FaultyStore.js';
import { Rng } from './helpers/random.js';
import { objectsOf, shapedRepo } from './helpers/repo.js';

/** Backs up `src` with the fixture's own catalog; returns the snapshot id. */
async function backup(f: RepoFixture, src: string): Promise<string> {
  return withRepository(await FsStore.open(f.repo), { home: f.home, credentials: { password: f.password } }, async (repo) => (await runBackup(repo, { paths: [src], home: f.home })).snapshotId, 'backup');
}

/** Restores a snapshot with a reader that has a catalog of its own; returns the failures and the tree. */
async function restoreFresh(f: RepoFixture, snapshot: string, src: string): Promise<{ failed: string[]; tree: Awaited<ReturnType<typeof describeTree>> }> {
  const repo = await Repository.open(await FsStore.open(f.repo), { home: mkdtempSync(join(f.dir, 'reader-')), credentials: { password: f.password } });
  try {
    const out = mkdtempSync(join(f.dir, 'out-'));
    const r = await runRestore(repo, { snapshot, target: out });
    return { failed: r.failed.map((x) => `${x.path}: ${x.code}`), tree: await describeTree(join(out, src)) };
  } finally {
    repo.close();
  }
}

describe('a damaged config.json (HAVRE_HOME) is a clear error, never an unexpected one', () => {
  let f: RepoFixture;
  beforeAll(() => {
    f = newRepo();
    mkdirSync(f.home, { recursive: true });
  });
  afterAll(() => f.cleanup());

  // Before: repo 5 → INTERNAL "paths[0] must be of type string"; copies {} → INTERNAL ".map is not a function".
  for (const [text, member] of [
    ['{"version":1,"repo":5}', 'repo is not an object'],
    ['{"version":1,"repo":{"path":"/tmp/x","repoId":"00112233445566778899aabbccddeeff"},"copies":{}}', 'copies is not a list'],
    ['{"version":1,"repo":{"kind":"s3","name":"cloud"}}', 'repo.endpoint is not valid'],
    ['{"version":1,"repo":{"kind":"appliance","url":"https://b:8443","applianceId":"x"}}', 'repo.applianceId is not valid'],
    ['{"version":1,"repo":{"path":7}}', 'repo.path is not valid'],
    ['{"version":1,"folders":"/home"}', 'folders is not a list of paths'],
    ['null', 'the file is not an object'],
    ['{"version":2}', 'newer version of Havre'],
  ] as const) {
    it(`${text} → USAGE naming ${member}`, async () => {
      writeFileSync(join(f.home, 'config.json'), text);
      const r = await runHavre(['snapshots', '--json'], f.env); // no --repo: the repository comes from config.json
      expect(r.code).toBe(1);
      const err = r.json<{ error: { code: string; message: string } }>().error;
      expect(err.code).toBe('USAGE');
      expect(err.message).toContain(member);
    });
  }
});

describe('packs that an index names but the store no longer holds', () => {
  let f: RepoFixture;
  let src: string;

  beforeAll(async () => {
    f = await shapedRepo();
    src = join(f.dir, 'src');
    mkdirSync(src);
  });
  afterAll(() => f.cleanup());

  it('a deleted or truncated pack is not trusted by the next backup: its data is stored again', async () => {
    // Before: the catalog still named the pack, the next backup deduplicated against it, and the
    // new snapshot could not be restored.
    for (const damage of ['delete', 'truncate'] as const) {
      writeFileSync(join(src, `${damage}.bin`), randomBytes(400_000));
      await backup(f, src);
      for (const p of objectsOf(f.repo, 'data')) {
        if (damage === 'delete') rmSync(p.path);
        else truncateSync(p.path, 100);
      }
      const snap = await backup(f, src);
      const r = await restoreFresh(f, snap, src);
      expect(r.failed, damage).toEqual([]);
      expect(r.tree, damage).toEqual(await describeTree(src));
    }
  });

  it('an index object put back after a prune: new backups do not lean on the packs it names, and readers fall back to packs that exist', async () => {
    // Content held by one snapshot only, then forgotten and pruned.
    const old = randomBytes(3 * 1024 * 1024);
    writeFileSync(join(src, 'old.bin'), old);
    await backup(f, src);
    rmSync(join(src, 'old.bin'));
    const before = mkdtempSync(join(f.dir, 'before-'));
    await backup(f, src);
    cpSync(join(f.repo, 'index'), before, { recursive: true });
    await withRepository(await FsStore.open(f.repo), { home: f.home, credentials: { password: f.password } }, (repo) => runForget(repo, { keepLast: 1 }, { prune: true }), 'prune');
    // The storage side puts the older index objects back (they are genuine: they authenticate).
    for (const name of readdirSync(before)) cpSync(join(before, name), join(f.repo, 'index', name));
    // The content comes back in the source. Before: the catalog took the replayed index's word
    // that its blobs were stored, and the new snapshot named packs that the prune had deleted.
    writeFileSync(join(src, 'old.bin'), old);
    const snap = await backup(f, src);
    const r = await restoreFresh(f, snap, src);
    expect(r.failed).toEqual([]);
    expect(r.tree).toEqual(await describeTree(src));
  });

  it('a read cut short on the way (the pack is whole) does not make the catalog forget the pack', async () => {
    // Found by the store-faults scenario in the first version of the fallback above: one flaky
    // read made this machine's catalog drop a whole pack, and later restores failed BLOB_MISSING.
    const g = newRepo();
    try {
      const repo = await openRepo(g);
      const id = await putBlob(repo, 0, Buffer.from('a blob read through a flaky link'));
      await repo.flushIndex();
      repo.close();
      const flaky = new FaultyStore(await FsStore.open(g.repo), new Rng(1), {});
      const reader = await Repository.open(flaky, { home: mkdtempSync(join(g.dir, 'reader-')), credentials: { password: g.password } });
      try {
        flaky.rates = { 'get-short': 1 };
        await expect(reader.readBlob(id)).rejects.toMatchObject({ code: 'INTEGRITY' });
        flaky.rates = {};
        expect((await reader.readBlob(id)).toString()).toBe('a blob read through a flaky link');
      } finally {
        reader.close();
      }
    } finally {
      g.cleanup();
    }
  });

  it('a reader whose catalog locates a blob in a missing pack reads it from another pack that holds it', async () => {
    const g = newRepo();
    try {
      const repo = await openRepo(g);
      const plain = Buffer.from('the same blob, stored twice');
      const id = await putBlob(repo, 0, plain);
      await putBlob(repo, 0, plain); // a second pack holding it (as a prune rewrite leaves)
      await repo.flushIndex();
      const first = repo.findBlob(id).packId;
      repo.close();
      rmSync(join(g.repo, 'data', first.slice(0, 2), first));
      const reader = await Repository.open(await FsStore.open(g.repo), { home: mkdtempSync(join(g.dir, 'reader-')), credentials: { password: g.password } });
      try {
        expect(reader.findBlob(id).packId).toBe(first); // the first location is the missing pack
        // Before: OBJECT_MISSING, though the blob is in the other pack.
        expect((await reader.readBlob(id)).equals(plain)).toBe(true);
      } finally {
        reader.close();
      }
    } finally {
      g.cleanup();
    }
  });
});

describe('deeply nested JSON is refused with a typed error, never a stack overflow', () => {
  const deep = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`);

  it('a forged snapshot whose summary nests 100,000 deep is refused as damaged; the repository still opens', async () => {
    // Before: decodeSnapshot let any summary through, and the catalog's JSON.stringify of it threw
    // RangeError, which made the whole repository impossible to open.
    const g = newRepo();
    try {
      const repo = await openRepo(g);
      const bytes = sealDocument(DOC_KIND.snapshot, Buffer.from(`{"version":1,"time":"2026-01-01T00:00:00Z","tree":"${'ab'.repeat(32)}","paths":[],"hostname":"h","username":"u","tags":[],"parent":null,"program":"p","summary":${'['.repeat(100_000)}1${']'.repeat(100_000)}}`), repo.keys.enc, true);
      await repo.store.put('snapshots', objectName(bytes), bytes);
      repo.close();
      const again = await openRepo(g);
      try {
        expect(again.damaged.map((d) => d.kind)).toEqual(['snapshots']);
        expect(again.listSnapshots()).toEqual([]);
      } finally {
        again.close();
      }
    } finally {
      g.cleanup();
    }
  });

  it('appliance.json with a deeply nested version, and a retention policy with deeply nested tags', () => {
    // Before: both printed the value in their message, and String()/JSON.stringify overflowed.
    expect(() => parseApplianceConfig({ ...newConfig({ names: ['localhost'] }), version: deep(100_000) })).toThrow(ProtocolViolation);
    expect(() => applyRetention([], { keepLast: 1, keepTags: [deep(100_000)] as unknown as string[] }, new Date())).toThrow(HavreError);
    expect(() => applyRetention([], { keepWithin: deep(100_000) as unknown as string }, new Date())).toThrow(HavreError);
    expect(() => applyRetention([], null as unknown as RetentionPolicy, new Date())).toThrow(HavreError);
  });

  it('a config object (readable before anything is authenticated) whose version nests deeply', () => {
    // Before: String(version) overflowed the stack: INTERNAL instead of UNSUPPORTED_VERSION.
    const text = `{"format":"havre-repo","version":${'['.repeat(100_000)}1${']'.repeat(100_000)}}`;
    expect(() => parseRepoConfig(Buffer.from(text))).toThrow(HavreError);
  });
});
