// The engine's real jobs over a store that fails on cue (helpers/FaultyStore.ts): errors and
// connection resets on write, partial writes, answers lost after a write, latency, and on read
// errors, resets, short reads and flipped bits. Whatever fails must fail with a typed error, the
// catalog must never record as stored what is not, a restore must never write a wrong byte, a
// verify must notice every damaged read, and once the faults stop everything acknowledged is whole.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHavreError } from '../../src-main/engine/errors/index.js';
import { runBackup, runForget, runRestore, runVerify } from '../../src-main/engine/jobs/index.js';
import { Repository, withRepository } from '../../src-main/engine/repo/index.js';
import { FsStore, type ObjectKind } from '../../src-main/engine/store/index.js';
import type { RepoFixture } from '../helpers/repoFixture.js';
import { describeTree, type EntryFacts } from '../helpers/trees.js';
import { Corpus } from './helpers/corpus.js';
import { FaultyStore, type FaultKind, type FaultRates } from './helpers/FaultyStore.js';
import type { Rng } from './helpers/random.js';
import { objectsOf, shapedRepo } from './helpers/repo.js';
import { scenarioRng, sized } from './helpers/scale.js';
import { ScenarioTally } from './helpers/summary.js';

const ROUNDS = sized(30, 400);
const WRITE_FAULTS: FaultKind[] = ['put-error', 'put-reset', 'put-partial', 'put-lost-answer', 'list-error', 'head-error', 'get-error', 'get-reset', 'delete-error'];
const READ_FAULTS: FaultKind[] = ['get-error', 'get-reset', 'get-flip', 'get-short'];

/** Some of `kinds`, each with a probability per call between 0.2 % and 20 % (log-uniform). */
function drawRates(r: Rng, kinds: readonly FaultKind[]): FaultRates {
  const rates: FaultRates = {};
  for (const k of kinds) if (r.chance(0.5)) rates[k] = 0.002 * 100 ** r.float();
  return rates;
}

function sum(counts: Partial<Record<string, number>>): number {
  return Object.values(counts).reduce<number>((n, v) => n + (v ?? 0), 0);
}

describe('the engine over a store that fails on cue', () => {
  const rng = scenarioRng('store-faults');
  const tally = new ScenarioTally('store-faults', 'faulty job runs', rng.seed);
  let f: RepoFixture;
  let corpus: Corpus;
  let fs: FsStore;
  const acknowledged = new Map<string, Map<string, EntryFacts>>();

  /** Writes a new object's first bytes under its final name, as a store without atomic writes would. */
  const plant = async (kind: ObjectKind, name: string, bytes: Buffer): Promise<void> => {
    const path = kind === 'data' ? join(f.repo, kind, name.slice(0, 2), name) : join(f.repo, kind, name);
    if (existsSync(path)) return; // an object already stored is never written again
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  };

  beforeAll(async () => {
    f = await shapedRepo();
    fs = await FsStore.open(f.repo);
    corpus = new Corpus(join(f.dir, 'src'), rng.fork('corpus'), { files: sized(25, 60), maxFileBytes: sized(700_000, 2_000_000) });
  });
  afterAll(() => {
    tally.write();
    f?.cleanup();
  });

  const open = (store: FaultyStore | FsStore, home = f.home): Promise<Repository> => Repository.open(store, { home, credentials: { password: f.password } });

  /** Runs a job; a failure must be a HavreError (returned), anything else fails the test. */
  async function attempt<T>(what: string, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: string }> {
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      if (!isHavreError(e)) throw new Error(`${what} failed with an untyped error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, { cause: e });
      return { ok: false, code: e.code };
    }
  }

  /** Packs already hashed whole (objects never change under their name). */
  const wholePacks = new Set<string>();

  /** The writer's catalog names only packs that are in the store, whole, under their names. */
  async function expectCatalogHonest(when: string): Promise<void> {
    const repo = await open(fs);
    try {
      const stored = new Map(objectsOf(f.repo, 'data').map((o) => [o.name, o.path]));
      for (const p of repo.catalog.listPacks()) {
        const path = stored.get(p.packId);
        expect(path, `${when}: the catalog names pack ${p.packId.slice(0, 12)}, which is not stored`).toBeDefined();
        if (wholePacks.has(p.packId)) continue;
        const bytes = readFileSync(path!);
        expect(bytes.length, `${when}: pack ${p.packId.slice(0, 12)} is stored short`).toBe(p.size);
        expect(createHash('sha256').update(bytes).digest('hex'), `${when}: pack ${p.packId.slice(0, 12)} is damaged`).toBe(p.packId);
        wholePacks.add(p.packId);
      }
    } finally {
      repo.close();
    }
  }

  /** Snapshot ids in the store, oldest first, as a reader with a catalog of its own sees them. */
  async function storedSnapshots(): Promise<string[]> {
    const home = mkdtempSync(join(f.dir, 'lister-'));
    const repo = await open(fs, home);
    try {
      return repo.listSnapshots().map((s) => s.id);
    } finally {
      repo.close();
      rmSync(home, { recursive: true, force: true });
    }
  }

  /** Snapshots already restored whole by a check: a later check restores only the others, and one of these. */
  const checked = new Set<string>();

  /** With the faults off: a reader of its own verifies (read-data) and restores acknowledged snapshots. */
  async function expectAllWhole(when: string, all = false): Promise<void> {
    const home = mkdtempSync(join(f.dir, 'reader-'));
    const repo = await open(fs, home);
    try {
      const v = await runVerify(repo, { readData: true });
      // Objects that a failed partial write left under their name are garbage no snapshot needs:
      // verify may name them, but no snapshot may be affected.
      expect(v.affected, `${when}: ${JSON.stringify(v.problems)}`).toEqual([]);
      const old = [...acknowledged.keys()].filter((id) => checked.has(id));
      const again = old.length > 0 ? rng.fork(when).pick(old) : null;
      for (const [id, manifest] of acknowledged) {
        if (!all && checked.has(id) && id !== again) continue;
        checked.add(id);
        const out = mkdtempSync(join(f.dir, 'out-'));
        const r = await runRestore(repo, { snapshot: id, target: out });
        expect(r.failed, `${when}: restore ${id.slice(0, 8)}`).toEqual([]);
        expect([...(await describeTree(join(out, corpus.root))).entries()], `${when}: snapshot ${id.slice(0, 8)}`).toEqual([...manifest.entries()]);
        rmSync(out, { recursive: true, force: true });
      }
    } finally {
      repo.close();
      rmSync(home, { recursive: true, force: true });
    }
  }

  it(`backups, forgets and prunes under write faults: typed failures, an honest catalog, nothing acknowledged lost (${ROUNDS} rounds)`, { timeout: sized(6, 60) * 60_000 }, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const r = rng.fork(`round-${round}`);
      corpus.mutate();
      const faulty = new FaultyStore(fs, r.fork('faults'), drawRates(r, WRITE_FAULTS), { maxLatencyMs: r.chance(0.3) ? 5 : 0, plant });
      const prune = acknowledged.size > 4 && r.chance(0.2);
      const when = `round ${round} (${prune ? 'forget+prune' : 'backup'} with ${JSON.stringify(faulty.rates)})`;
      // The policy keeps the 3 newest snapshots in the store (one whose write "failed" counts too):
      // any other may be gone after this round, whether it completes or not.
      if (prune) for (const id of (await storedSnapshots()).slice(0, -3)) acknowledged.delete(id);
      const res = await attempt(when, () => withRepository(faulty, { home: f.home, credentials: { password: f.password } }, async (repo) => {
        if (!prune) return (await runBackup(repo, { paths: [corpus.root], home: f.home })).snapshotId;
        await runForget(repo, { keepLast: 3 }, { prune: true });
        return null;
      }, prune ? 'prune' : 'backup'));
      tally.count(`${prune ? 'prune' : 'backup'} ${res.ok ? 'completed' : 'failed'}`);
      for (const [k, n] of Object.entries(faulty.injected)) tally.note(`injected ${k}`, n);
      if (res.ok && res.value) acknowledged.set(res.value, await describeTree(corpus.root));
      await expectCatalogHonest(when);
      if (round % 8 === 7) await expectAllWhole(when);
    }
    // The faults stop: the next backup completes and everything acknowledged is whole.
    const last = await withRepository(fs, { home: f.home, credentials: { password: f.password } }, (repo) => runBackup(repo, { paths: [corpus.root], home: f.home }), 'backup');
    acknowledged.set(last.snapshotId, await describeTree(corpus.root));
    await expectAllWhole('after the faults', true);
    expect(sum(tally.details)).toBeGreaterThan(0);
  });

  it('restores under read faults never write a wrong byte; every file is right or reported', { timeout: sized(4, 40) * 60_000 }, async () => {
    const rounds = sized(25, 250);
    for (let round = 0; round < rounds; round++) {
      const r = rng.fork(`restore-${round}`);
      const faulty = new FaultyStore(fs, r.fork('faults'), drawRates(r, READ_FAULTS), { maxLatencyMs: r.chance(0.3) ? 3 : 0 });
      faulty.armed = false; // opening is not what is tested here
      const repo = await open(faulty);
      const [id, manifest] = r.pick([...acknowledged]);
      const out = mkdtempSync(join(f.dir, 'out-'));
      try {
        faulty.armed = true;
        const res = await attempt(`restore round ${round}`, () => runRestore(repo, { snapshot: id, target: out }));
        faulty.armed = false;
        tally.count(`restore ${res.ok ? (res.value.failed.length > 0 ? 'partial' : 'complete') : 'stopped'}`);
        for (const [k, n] of Object.entries(faulty.injected)) tally.note(`injected ${k}`, n);
        const got = await describeTree(join(out, corpus.root)).catch(() => new Map<string, EntryFacts>());
        const failed = new Set(res.ok ? res.value.failed.map((x) => x.path) : []);
        for (const [path, facts] of got) {
          // Every file there is exactly the one backed up; folders may stand without their files.
          if (facts.type === 'file') expect(facts.sha256, `restore round ${round}: ${path} written wrong`).toBe(manifest.get(path)?.sha256);
        }
        if (res.ok) {
          // A file missing from the target is reported, itself or with a folder above it.
          const inSnapshot = (rel: string): string => `${corpus.root.slice(1)}/${rel}`;
          const reported = (rel: string): boolean => [...failed].some((p) => inSnapshot(rel) === p || inSnapshot(rel).startsWith(`${p}/`));
          for (const [path, facts] of manifest) {
            if (facts.type === 'file' && !got.has(path)) expect(reported(path), `restore round ${round}: ${path} neither restored nor reported; ${JSON.stringify(res.value.failed)}`).toBe(true);
          }
          if (sum(faulty.injected) === 0) expect(res.value.failed).toEqual([]);
        }
        expect(leftovers(out), `restore round ${round}: temporary files left`).toEqual([]);
      } finally {
        repo.close();
        rmSync(out, { recursive: true, force: true });
      }
    }
  });

  it('verify --read-data notices every damaged read, and says so with a typed reason', { timeout: sized(3, 30) * 60_000 }, async () => {
    const rounds = sized(25, 250);
    const key = (p: { kind: string; object: string }): string => `${p.kind}:${p.object}`;
    // The first scenario's partial writes may have left garbage under final names (a store without
    // atomic writes): with no fault, verify names exactly that, and it is the baseline of each round.
    const clean = await open(fs, mkdtempSync(join(f.dir, 'verify-home-')));
    const garbage = (await runVerify(clean, { readData: true })).problems;
    clean.close();
    const baseline = new Set(garbage.map(key));
    const garbageObjects = new Set(garbage.map((p) => p.object));
    let noticed = 0;
    for (let round = 0; round < rounds; round++) {
      const r = rng.fork(`verify-${round}`);
      const faulty = new FaultyStore(fs, r.fork('faults'), { 'get-flip': r.float() * 0.2, 'get-short': r.float() * 0.1, 'get-error': r.float() * 0.1 });
      faulty.armed = false;
      const repo = await open(faulty, mkdtempSync(join(f.dir, 'verify-home-')));
      try {
        faulty.armed = true;
        const res = await attempt(`verify round ${round}`, () => runVerify(repo, { readData: true }));
        faulty.armed = false;
        tally.count('verify');
        // Faults in objects that are garbage already change nothing verify can say.
        const damagedReads = [...faulty.faultedReads].filter((o) => !garbageObjects.has(o)).length;
        if (res.ok) {
          const found = res.value.problems.map(key);
          const what = `verify round ${round}: ${damagedReads} damaged reads, ${JSON.stringify(res.value.problems)}`;
          // A damaged read is always noticed; with none, only the garbage is reported.
          if (damagedReads > 0) expect(found.some((k) => !baseline.has(k)), what).toBe(true);
          else expect(new Set(found), what).toEqual(baseline);
          if (damagedReads > 0) noticed++;
        }
      } finally {
        repo.close();
      }
    }
    tally.note('verify runs that noticed injected damage', noticed);
    tally.note('garbage objects a failed partial write left (named by verify without faults)', baseline.size);
  });
});

/** Temporary files a restore leaves behind (it must leave none). */
function leftovers(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true }).map(String).filter((p) => p.split('/').pop()!.startsWith('.havre-restore-'));
  } catch {
    return [];
  }
}
