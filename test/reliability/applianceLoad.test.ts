// The appliance under load (issue 10): 50 machines, each enrolled through the real endpoint, back
// up at once over loopback with the real engine (backup job, ApplianceStore, ApplianceClient over
// mutual TLS) into the reference appliance, while a probe keeps asking it the time. Every backup
// completes, every machine's repository verifies with --read-data and restores byte for byte,
// every machine sees only its own objects, and the appliance reports no internal error.
// How long each machine took is recorded (fairness), not asserted.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplianceClient } from '../../src-main/engine/appliance/index.js';
import { isHavreError } from '../../src-main/engine/errors/index.js';
import { runBackup } from '../../src-main/engine/jobs/index.js';
import { Repository } from '../../src-main/engine/repo/index.js';
import { ApplianceStore } from '../../src-main/engine/store/appliance/index.js';
import { startAppliance, type TestAppliance } from '../appliance/helpers/appliance.js';
import { call } from '../appliance/helpers/https.js';
import { enroll, type TestMachine } from '../appliance/helpers/machines.js';
import type { RepoFixture } from '../helpers/repoFixture.js';
import { expectWhole, machineStore, seedRepository } from './helpers/check.js';
import { objectsOf, shapedRepo } from './helpers/repo.js';
import { scenarioRng, sized } from './helpers/scale.js';
import { ScenarioTally } from './helpers/summary.js';

const MACHINES = sized(50, 200);
const PASSWORD = 'the load test’s user password';

interface Fleet {
  readonly machine: TestMachine;
  readonly client: ApplianceClient;
  readonly store: ApplianceStore;
  readonly home: string;
  readonly src: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

describe(`the appliance with ${MACHINES} machines backing up at once`, () => {
  const rng = scenarioRng('appliance-load');
  const tally = new ScenarioTally('appliance-load', 'machines backing up at once', rng.seed);
  let t: TestAppliance;
  let repoShape: RepoFixture;
  const fleet: Fleet[] = [];

  beforeAll(async () => {
    t = await startAppliance();
    // One repository layout for all (small packs, so that each backup makes several uploads): its
    // config and keys objects are stored in every machine's own object store, as init would.
    repoShape = await shapedRepo();
    const common = randomBytes(200_000);
    for (let i = 0; i < MACHINES; i++) {
      const machine = await enroll(t, { host: `PC-${String(i).padStart(3, '0')}`, user: `user${i}`, password: PASSWORD });
      const { client, store } = machineStore(t, machine);
      await seedRepository(store, repoShape);
      const src = join(repoShape.dir, `src-${i}`);
      mkdirSync(join(src, 'docs'), { recursive: true });
      writeFileSync(join(src, 'docs', 'commun.bin'), common); // the same file on every machine
      writeFileSync(join(src, 'docs', 'propre.bin'), randomBytes(rng.between(100_000, 900_000)));
      writeFileSync(join(src, 'notes.txt'), `notes of machine ${i}\n`.repeat(rng.between(1, 5000)));
      fleet.push({ machine, client, store, home: mkdtempSync(join(repoShape.dir, `home-${i}-`)), src });
    }
  });
  afterAll(async () => {
    for (const m of fleet) m.client.close();
    await t?.stop();
    repoShape?.cleanup();
  });

  it('every backup completes, verifies and restores; each machine sees only its own objects', { timeout: sized(5, 30) * 60_000 }, async () => {
    // A probe asks the appliance its time every 100 ms while the fleet backs up.
    const probeLatencies: number[] = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const started = performance.now();
        const r = await call(t, 'GET', '/v1/info');
        expect(r.status).toBe(200);
        probeLatencies.push(performance.now() - started);
        await new Promise((res) => setTimeout(res, 100));
      }
    })();

    const started = performance.now();
    const durations = await Promise.all(fleet.map(async (m) => {
      const repo = await Repository.open(m.store, { home: m.home, credentials: { password: repoShape.password } });
      try {
        const r = await runBackup(repo, { paths: [m.src], home: m.home, workers: 1 });
        return { snapshot: r.snapshotId, ms: performance.now() - started };
      } finally {
        repo.close();
      }
    }));
    probing = false;
    await probe;
    tally.count(undefined, fleet.length);

    // Each machine's repository, read back by a reader with a catalog of its own.
    for (const [i, m] of fleet.entries()) {
      await expectWhole(m.store, repoShape.password, repoShape.dir, durations[i]!.snapshot, m.src, `machine ${i}`);
    }

    // Isolation: one machine's certificate reaches no other machine's objects.
    for (let k = 0; k < 5; k++) {
      const a = fleet[rng.int(fleet.length)]!;
      const b = fleet.filter((x) => x !== a)[rng.int(fleet.length - 1)]!;
      const intruder = new ApplianceStore(a.client, b.machine.machineId);
      for (const attempt of [() => intruder.list('data'), () => intruder.get('config', objectsOf(repoShape.repo, 'config')[0]!.name)]) {
        await expect(attempt()).rejects.toSatisfy((e: unknown) => isHavreError(e, 'APPLIANCE_FORBIDDEN'));
      }
    }
    const ownObjects = (await Promise.all(fleet.map((m) => m.store.list('data')))).map((l) => l.length);
    expect(Math.min(...ownObjects)).toBeGreaterThan(0);
    expect(readdirSync(join(t.dir, 'objects')).filter((d) => /^[0-9a-f]{32}$/.test(d)).sort()).toEqual(fleet.map((m) => m.machine.machineId).sort());

    const ms = durations.map((d) => d.ms).sort((a, b) => a - b);
    const probes = [...probeLatencies].sort((a, b) => a - b);
    tally.write({
      machines: fleet.length, objectsPerMachineMin: Math.min(...ownObjects), objectsPerMachineMax: Math.max(...ownObjects),
      backupDoneMsMin: Math.round(ms[0]!), backupDoneMsMedian: Math.round(percentile(ms, 50)), backupDoneMsMax: Math.round(ms.at(-1)!),
      probes: probes.length, probeMsMedian: Math.round(percentile(probes, 50)), probeMsP99: Math.round(percentile(probes, 99)), probeMsMax: Math.round(probes.at(-1)!),
    });
  });
});
