// Crash consistency (issue 10), in the manner of Kopia's kill -9 tests: the real `havre` CLI is
// killed with SIGKILL at seeded points of backups and prunes, then the next backup must complete,
// `verify --read-data` must pass, and every snapshot that was acknowledged (and not forgotten by
// the retention policy on purpose) must restore byte for byte.
//
// Two kinds of kill point, both drawn from the seed and printed:
// - "op": just before or just after the Nth object to appear (rename of a finished temporary file)
//   or disappear (unlink) in the repository: the windows between the store, the catalog, the
//   index and the snapshot, and between the steps of a prune (fixtures/crashHook.mjs);
// - "time": after a delay drawn between 0 and the duration of the last complete run, wherever the
//   process then is (reading files, in the chunk workers, mid-write, inside a catalog transaction).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRestore, runVerify } from '../../src-main/engine/jobs/index.js';
import { Repository } from '../../src-main/engine/repo/index.js';
import { FsStore } from '../../src-main/engine/store/index.js';
import { ROOT, runHavre, type CliRun } from '../helpers/cli.js';
import type { RepoFixture } from '../helpers/repoFixture.js';
import { describeTree, type EntryFacts } from '../helpers/trees.js';
import { Corpus } from './helpers/corpus.js';
import { shapedRepo } from './helpers/repo.js';
import type { Rng } from './helpers/random.js';
import { scenarioRng, sized } from './helpers/scale.js';
import { ScenarioTally } from './helpers/summary.js';

const HOOK = fileURLToPath(new URL('./fixtures/crashHook.mjs', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/havre.js', import.meta.url));

const KILLS = sized(50, 400);
const KEEP_LAST = 3;

type Manifest = Map<string, EntryFacts>;
type Op = 'backup' | 'prune';
interface KillPoint {
  readonly op: Op;
  /** "rename:3:after", or "time:412ms" */
  readonly at: string;
}
interface Counts {
  rename: number;
  unlink: number;
}

describe('crash consistency: kill -9 at seeded points, then backup, verify --read-data and restore', () => {
  const rng = scenarioRng('crash');
  const tally = new ScenarioTally('crash-kill9', 'kill points', rng.seed);
  let f: RepoFixture;
  let corpus: Corpus;
  let scratch: string;
  let reader: Repository;

  beforeAll(async () => {
    f = await shapedRepo();
    scratch = mkdtempSync(join(f.dir, 'scratch-'));
    corpus = new Corpus(join(f.dir, 'src'), rng.fork('corpus'), { files: sized(30, 60), maxFileBytes: sized(900_000, 2_000_000) });
    reader = await Repository.open(await FsStore.open(f.repo), { home: join(f.dir, 'reader-home'), credentials: { password: f.password } });
  });
  afterAll(() => {
    reader?.close();
    f?.cleanup();
  });

  /** The CLI with the crash hook preloaded; `at` kills it at an op point, `killAfterMs` from outside. */
  function run(args: string[], opts: { at?: string; killAfterMs?: number } = {}): Promise<CliRun & { killed: boolean; counts: Counts; ms: number }> {
    const countsFile = join(scratch, `counts-${Date.now()}-${rng.u32()}.json`);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...f.env,
      HAVRE_CRASH_REPO: f.repo, HAVRE_CRASH_COUNTS: countsFile, ...(opts.at ? { HAVRE_CRASH_AT: opts.at } : {}),
    };
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', HOOK, BIN, ...args, '--repo', f.repo, '--json'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = opts.killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        let counts: Counts = { rename: 0, unlink: 0 };
        try {
          counts = JSON.parse(readFileSync(countsFile, 'utf8')) as Counts;
          rmSync(countsFile);
        } catch {
          // killed: the exit handler never ran
        }
        resolve({ code: code ?? -1, stdout, stderr, killed: signal === 'SIGKILL', counts, ms: Date.now() - started,
          json: <T>() => JSON.parse(stdout) as T });
      });
    });
  }

  it(`survives ${KILLS} kill points; every acknowledged snapshot restores byte for byte`, { timeout: sized(10, 90) * 60_000 }, async () => {
    const acknowledged = new Map<string, Manifest>(); // snapshot id → the source as it was backed up
    const mayBeForgotten = new Set<string>();
    const points: string[] = [];
    // Calibration from complete runs: how many objects a run writes and deletes, and how long it takes.
    const seen: Record<Op, { counts: Counts; ms: number }> = { backup: { counts: { rename: 6, unlink: 0 }, ms: 1500 }, prune: { counts: { rename: 2, unlink: 4 }, ms: 1200 } };

    const acknowledge = async (r: CliRun): Promise<void> => {
      const doc = r.json<{ snapshot: string }>();
      acknowledged.set(doc.snapshot, await describeTree(corpus.root));
    };
    const backupArgs = (): string[] => ['backup', corpus.root];
    const pruneArgs = (): string[] => ['forget', '--keep-last', String(KEEP_LAST), '--prune'];

    const first = await run(backupArgs());
    expect(first.code, first.stderr).toBe(0);
    await acknowledge(first);
    seen.backup = { counts: first.counts, ms: first.ms };

    let kills = 0;
    for (let round = 0; kills < KILLS; round++) {
      if (round > KILLS * 3) throw new Error(`only ${kills} of ${KILLS} runs could be killed in ${round} rounds`);
      const r = rng.fork(`round-${round}`);
      corpus.mutate();
      const op: Op = acknowledged.size - mayBeForgotten.size > KEEP_LAST && r.chance(0.2) ? 'prune' : 'backup';
      const point = drawPoint(r, op, seen[op]);
      // The policy keeps the newest snapshots, acknowledged or left complete by a killed backup.
      if (op === 'prune') for (const id of (await listSnapshots()).slice(0, -KEEP_LAST)) mayBeForgotten.add(id);
      const victim = await run(op === 'backup' ? backupArgs() : pruneArgs(), point.at.startsWith('time:') ? { killAfterMs: Number(point.at.slice(5, -2)) } : { at: point.at });
      if (victim.killed) {
        kills++;
        tally.count(`${op} ${point.at.split(':')[0]}`);
        points.push(`${op}@${point.at}`);
      } else {
        // The point lay beyond the end of the run: it completed, and counts as a complete run.
        expect(victim.code, victim.stderr).toBe(0);
        if (op === 'backup') await acknowledge(victim);
        seen[op] = { counts: victim.counts, ms: victim.ms };
      }

      // The next backup completes, and holds exactly what the source holds now.
      const next = await run(backupArgs());
      const when = `after ${op}@${point.at}`;
      expect(next.code, `${when}: ${next.stderr}`).toBe(0);
      await acknowledge(next);
      seen.backup = { counts: next.counts, ms: next.ms };

      // verify --read-data and a restore, by a reader with a catalog of its own (the same jobs the
      // CLI runs, in this process: a node start-up per check would double the scenario's time).
      await reader.sync();
      const v = await runVerify(reader, { readData: true });
      expect({ problems: v.problems, unindexedPacks: v.unindexedPacks }, when).toEqual({ problems: [], unindexedPacks: 0 });
      await expectRestores(next.json<{ snapshot: string }>().snapshot, when);
      if (round % 5 === 4) await expectNothingLost(when);
    }
    console.log(`[reliability] crash: kill points ${points.join(' ')}`);

    // Every acknowledged snapshot still listed restores to what was backed up.
    await expectNothingLost('at the end');
    const v = await runHavre(['verify', '--read-data', '--repo', f.repo, '--json'], f.env);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    let restored = 0;
    for (const id of await listSnapshots()) {
      if (!acknowledged.has(id)) continue;
      await expectRestores(id, 'at the end');
      restored++;
    }
    expect(restored).toBeGreaterThan(KEEP_LAST);
    tally.write({ snapshotsRestoredAtEnd: restored, acknowledged: acknowledged.size });

    async function listSnapshots(): Promise<string[]> {
      const r = await runHavre(['snapshots', '--repo', f.repo, '--json'], f.env);
      expect(r.code, r.stderr).toBe(0);
      return r.json<{ id: string }[]>().map((s) => s.id);
    }

    async function expectNothingLost(when: string): Promise<void> {
      const listed = new Set(await listSnapshots());
      for (const id of acknowledged.keys()) if (!mayBeForgotten.has(id)) expect(listed.has(id), `snapshot ${id.slice(0, 8)} lost ${when}`).toBe(true);
    }

    async function expectRestores(id: string, when: string): Promise<void> {
      const out = mkdtempSync(join(scratch, 'out-'));
      const r = await runRestore(reader, { snapshot: id, target: out });
      expect(r.failed, `restore ${id.slice(0, 8)} ${when}`).toEqual([]);
      expect([...(await describeTree(join(out, corpus.root))).entries()], `snapshot ${id.slice(0, 8)} ${when}`).toEqual([...acknowledged.get(id)!.entries()]);
      rmSync(out, { recursive: true, force: true });
    }
  });
});

/** A kill point for `op`, given what a complete run of it did last time. */
function drawPoint(r: Rng, op: Op, last: { counts: Counts; ms: number }): KillPoint {
  // Node takes a few hundred milliseconds to load: most delays fall after that.
  if (r.chance(0.35)) return { op, at: `time:${r.between(Math.floor(last.ms * 0.25), last.ms)}ms` };
  const kinds: ('rename' | 'unlink')[] = last.counts.unlink > 0 && (op === 'prune' || r.chance(0.1)) ? ['rename', 'unlink'] : ['rename'];
  const kind = r.pick(kinds);
  const n = r.between(1, Math.max(1, last.counts[kind]));
  return { op, at: `${kind}:${n}:${r.pick(['before', 'after'])}` };
}
