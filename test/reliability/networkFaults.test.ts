// Network faults under the real clients (issue 10, "the engine retries what can be retried"):
// backups and restores of a repository in a real S3 bucket (radosgw) behind an HTTP proxy that
// answers 500, 503 SlowDown, cuts requests and responses mid-body and delays them, and in the
// reference appliance behind a TCP proxy that resets connections after a seeded number of bytes.
// A fault the retries absorb leaves the job complete; one they cannot ends it with a typed error;
// either way the next run completes, the repository verifies with --read-data, and what was
// acknowledged restores byte for byte (never a wrong byte while faults are on).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplianceClient } from '../../src-main/engine/appliance/index.js';
import { isHavreError } from '../../src-main/engine/errors/index.js';
import { runBackup, runRestore, runVerify } from '../../src-main/engine/jobs/index.js';
import { withRepository } from '../../src-main/engine/repo/index.js';
import type { ApplianceStore } from '../../src-main/engine/store/appliance/index.js';
import type { Store } from '../../src-main/engine/store/index.js';
import { startAppliance, type TestAppliance } from '../appliance/helpers/appliance.js';
import { enroll, type TestMachine } from '../appliance/helpers/machines.js';
import { HttpFaultProxy, TcpProxy, type FaultAction } from '../helpers/faultProxy.js';
import type { RepoFixture } from '../helpers/repoFixture.js';
import { describeTree, type EntryFacts } from '../helpers/trees.js';
import { createBucket, s3Fixture } from '../s3/helpers.js';
import { storeOn } from '../s3/storeOptions.js';
import { Corpus } from './helpers/corpus.js';
import type { Rng } from './helpers/random.js';
import { expectWhole, freshReader, machineStore, seedRepository } from './helpers/check.js';
import { shapedRepo } from './helpers/repo.js';
import { scenarioRng, sized } from './helpers/scale.js';
import { ScenarioTally } from './helpers/summary.js';

const ROUNDS = sized(10, 100);
const FAST = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 40 };

describe('network faults under the real S3 and appliance clients', () => {
  const rng = scenarioRng('network-faults');
  const tally = new ScenarioTally('network-faults', 'faulty job runs', rng.seed);
  let f: RepoFixture;

  beforeAll(async () => {
    f = await shapedRepo();
  });
  afterAll(() => {
    tally.write();
    f?.cleanup();
  });

  /** The reference appliance behind a TCP proxy, with one enrolled machine reaching it through the proxy. */
  async function applianceBehindProxy(host: string): Promise<{ t: TestAppliance; proxy: TcpProxy; m: TestMachine; client: ApplianceClient; store: ApplianceStore; close(): Promise<void> }> {
    const t = await startAppliance();
    const proxy = await TcpProxy.start('127.0.0.1', t.port);
    const m = await enroll(t, { host, user: host.toLowerCase(), password: 'p' });
    const { client, store } = machineStore(t, m, { port: proxy.port, retry: FAST });
    await seedRepository(store, f);
    return { t, proxy, m, client, store, close: async () => {
      client.close();
      await proxy.close();
      await t.stop();
    } };
  }

  /**
   * Rounds of: the source changes; a backup runs while `injure` sets faults (it completes, or
   * fails with a typed error); then, faults off, a restore of what was acknowledged, and at the end
   * the next backup, verify --read-data and a restore of every acknowledged snapshot.
   */
  async function rounds(label: string, store: Store, corpus: Corpus, injure: (r: Rng) => void, heal: () => void): Promise<void> {
    const home = mkdtempSync(join(f.dir, `${label}-home-`));
    const acknowledged = new Map<string, Map<string, EntryFacts>>();
    const backup = (): Promise<string> => withRepository(store, { home, credentials: { password: f.password } }, async (repo) => (await runBackup(repo, { paths: [corpus.root], home })).snapshotId, 'backup');
    for (let i = 0; i < ROUNDS; i++) {
      const r = rng.fork(`${label}-${i}`);
      corpus.mutate();
      injure(r);
      try {
        const id = await backup();
        acknowledged.set(id, await describeTree(corpus.root));
        tally.count(`${label}: backup completed under faults`);
      } catch (e) {
        if (!isHavreError(e)) throw e;
        tally.count(`${label}: backup stopped (${e.code})`);
      } finally {
        heal();
      }
      // A restore under faults: every file right, or reported.
      if (acknowledged.size > 0 && r.chance(0.5)) {
        const [id, manifest] = [...acknowledged].at(-1)!;
        injure(r);
        const reader = await freshReader(store, f.password, f.dir).catch((e: unknown) => {
          expect(isHavreError(e), String(e)).toBe(true);
          return null;
        });
        if (reader) {
          const out = mkdtempSync(join(f.dir, 'out-'));
          try {
            const res = await runRestore(reader, { snapshot: id, target: out });
            tally.count(`${label}: restore under faults (${res.failed.length > 0 ? 'partial' : 'complete'})`);
            const got = await describeTree(join(out, corpus.root)).catch(() => new Map<string, EntryFacts>());
            for (const [p, facts] of got) if (facts.type === 'file') expect(facts.sha256, `${label} round ${i}: ${p} restored wrong`).toBe(manifest.get(p)?.sha256);
          } catch (e) {
            expect(isHavreError(e), String(e)).toBe(true);
            tally.count(`${label}: restore stopped (${(e as { code: string }).code})`);
          } finally {
            reader.close();
            rmSync(out, { recursive: true, force: true });
          }
        }
        heal();
      }
    }
    // Faults off: the next backup completes, the repository verifies, everything acknowledged restores.
    acknowledged.set(await backup(), await describeTree(corpus.root));
    const reader = await freshReader(store, f.password, f.dir);
    try {
      expect((await runVerify(reader, { readData: true })).problems, label).toEqual([]);
      for (const [id, manifest] of acknowledged) {
        const out = mkdtempSync(join(f.dir, 'out-'));
        const res = await runRestore(reader, { snapshot: id, target: out });
        expect(res.failed, `${label}: ${id.slice(0, 8)}`).toEqual([]);
        expect([...(await describeTree(join(out, corpus.root))).entries()], `${label}: ${id.slice(0, 8)}`).toEqual([...manifest.entries()]);
        rmSync(out, { recursive: true, force: true });
      }
    } finally {
      reader.close();
    }
  }

  it('S3 behind a proxy that answers 500 and SlowDown, cuts requests and responses, and delays', { timeout: sized(4, 40) * 60_000 }, async () => {
    const bucket = await createBucket();
    const proxy = await HttpFaultProxy.start(s3Fixture().endpoint);
    try {
      const store = storeOn(bucket, { endpoint: proxy.url, retry: FAST });
      await seedRepository(store, f);
      const corpus = new Corpus(join(f.dir, 's3-src'), rng.fork('s3-corpus'), { files: 15, maxFileBytes: 500_000 });
      const actions = (r: Rng): FaultAction => r.weighted<FaultAction>([
        [{ kind: 'respond', status: 500, code: 'InternalError' }, 2],
        [{ kind: 'respond', status: 503, code: 'SlowDown', headers: { 'Retry-After': '0' } }, 2],
        [{ kind: 'cut-request', afterBytes: r.int(200_000) }, 2],
        [{ kind: 'cut-response', afterBytes: r.int(5_000) }, 2],
        [{ kind: 'delay', ms: r.int(60) }, 1],
      ]);
      await rounds('s3', store, corpus, (r) => {
        const n = r.between(1, 6);
        for (let k = 0; k < n; k++) {
          // Most faults fewer times than the client's 4 attempts (absorbed), some more (reported).
          proxy.fault({ method: r.pick(['PUT', 'GET', 'HEAD']), path: r.pick([/\/data\//, /\/index\//, /\/snapshots\//, /./]), times: r.weighted([[1, 4], [2, 3], [3, 2], [6, 1]]), action: actions(r) });
          tally.note('s3: faults set');
        }
      }, () => proxy.clearFaults());
      tally.note('s3: requests through the proxy', proxy.requests.length);
    } finally {
      await proxy.close();
    }
  });

  it('the appliance behind a proxy that resets connections mid-request', { timeout: sized(4, 40) * 60_000 }, async () => {
    const { proxy, store, close } = await applianceBehindProxy('PC-NET');
    try {
      const corpus = new Corpus(join(f.dir, 'appl-src'), rng.fork('appliance-corpus'), { files: 15, maxFileBytes: 500_000 });
      await rounds('appliance', store, corpus, (r) => {
        // The next connections are reset once some bytes went through (TLS handshake included).
        proxy.cutAfter(r.between(200, 300_000), r.between(1, 6));
        tally.note('appliance: connection cuts set');
      }, () => proxy.clearCuts());
    } finally {
      await close();
    }
  });

  it('the appliance goes away in the middle of a restore: the restore stops at once with a typed error, nothing half-written stays, and it completes once the appliance is back', async () => {
    const { t, proxy, m, store, close } = await applianceBehindProxy('PC-AWAY');
    try {
      const corpus = new Corpus(join(f.dir, 'away-src'), rng.fork('away-corpus'), { files: 40, maxFileBytes: 300_000 });
      const home = mkdtempSync(join(f.dir, 'away-home-'));
      const snap = await withRepository(store, { home, credentials: { password: f.password } }, async (repo) => (await runBackup(repo, { paths: [corpus.root], home })).snapshotId, 'backup');
      // The network goes at the third read of pack data, mid-restore.
      let reads = 0;
      const leaving: Store = { ...store, location: store.location, list: (k) => store.list(k), head: (k, n) => store.head(k, n), put: (k, n, b) => store.put(k, n, b), requestDelete: (k, n) => store.requestDelete(k, n),
        get: async (kind, name, range) => {
          if (kind === 'data' && ++reads === 3) proxy.down();
          return store.get(kind, name, range);
        } };
      const reader = await freshReader(leaving, f.password, f.dir);
      const out = mkdtempSync(join(f.dir, 'out-'));
      try {
        // Before: every file left failed one by one (exit 3, a list of APPLIANCE_UNREACHABLE).
        await expect(runRestore(reader, { snapshot: snap, target: out })).rejects.toMatchObject({ code: 'APPLIANCE_UNREACHABLE' });
        tally.count('appliance gone mid-restore');
        const left = readdirSync(out, { recursive: true }).map(String).filter((p) => p.split('/').pop()!.startsWith('.havre-restore-'));
        expect(left).toEqual([]);
        proxy.up();
      } finally {
        reader.close();
      }
      // A new client: the first one marked the appliance away for 30 s (it would try once per request).
      const back = machineStore(t, m, { port: proxy.port, retry: FAST });
      try {
        await expectWhole(back.store, f.password, f.dir, snap, corpus.root);
      } finally {
        back.client.close();
      }
    } finally {
      await close();
    }
  });
});
