// The desktop engine (EngineService) on an appliance repository: the same code path as the CLI,
// with SECRET cached for the engine's life, so backups go on while the appliance is away (into the
// spool) and go out when it is back.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineApi, EngineEvent, JobSummary } from '../../../src-main/ipc/contract.js';
import { enrollMachine, spoolDir } from '../../../src-main/engine/appliance/index.js';
import type { ApplianceRepoRef } from '../../../src-main/engine/home/homeConfig.js';
import { memoryKeychain } from '../../../src-main/engine/keychain/index.js';
import { createEngineService } from '../../../src-main/engine/service/index.js';
import { updateSettings } from '../../../src-main/engine/settings/index.js';
import { SpoolingStore } from '../../../src-main/engine/store/spool/index.js';
import { describeTree } from '../../helpers/trees.js';
import { FAST_RETRY, initAppliance, makeSource, startInProcess, tempRoot, USER_PASSWORD, type RunningAppliance } from './helpers.js';

function jobDone(engine: EngineApi, jobId: string): Promise<{ ok: boolean; summary: JobSummary; error?: { code: string } }> {
  return new Promise((resolve) => {
    const off = engine.subscribe((e: EngineEvent) => {
      if (e.type === 'job:result' && e.payload.jobId === jobId) {
        off();
        resolve(e.payload as { ok: boolean; summary: JobSummary; error?: { code: string } });
      }
    });
  });
}

describe('EngineService on an appliance repository', () => {
  const tmp = tempRoot('havre-appl-engine-');
  const home = join(tmp.root, 'home');
  const keychain = memoryKeychain();
  let appl: RunningAppliance;
  let dir: string;
  let port: number;
  let ref: ApplianceRepoRef;
  let engine: EngineApi;
  let source: ReturnType<typeof makeSource>;

  beforeAll(async () => {
    ({ dir } = await initAppliance(tmp.root));
    appl = await startInProcess(dir);
    port = appl.port;
    source = makeSource(tmp.root);
    ref = (await enrollMachine({ url: appl.url, token: await appl.token(), user: 'alice', host: 'PC-ALICE', password: USER_PASSWORD, keychain, home, kdf: 'test', client: { retry: FAST_RETRY } })).ref;
    await updateSettings(home, { folders: [source.src] });
    // The user's home holds the restore target (the engine restores only into the user's own places).
    engine = await createEngineService({ home, credentials: async () => ({ keychain }), userHome: tmp.root });
  });
  afterAll(async () => {
    await engine?.close();
    await appl.stop().catch(() => undefined);
    tmp.cleanup();
  });

  it('backs up through the machine’s keys, and says where', async () => {
    expect(await engine.status()).toMatchObject({ repo: appl.url });
    // Continuous protection scanned the folder at start-up; "back up now" answers even when nothing is new.
    const { jobId } = await engine.startBackup();
    const r = await jobDone(engine, jobId);
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(r.summary.files).toBeGreaterThan(0);
    expect(await engine.listSnapshots()).toHaveLength(1);
    expect((await engine.status()).lastBackup).not.toBeNull();
  });

  it('keeps working while the appliance is away: the backup waits in the spool, then goes out', async () => {
    await appl.stop();
    const away = await engine.status();
    expect(away.state).toBe('idle'); // opened from the cached config and SECRET, offline
    expect(away.lastBackup).not.toBeNull();
    writeFileSync(join(source.src, 'notes.md'), '# notes\nchanged while the appliance was away\n');
    const { jobId } = await engine.startBackup();
    const r = await jobDone(engine, jobId);
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect((await SpoolingStore.pendingAt(spoolDir(home, ref.machineId))).objects).toBeGreaterThan(0);

    appl = await startInProcess(dir, port);
    const again = await engine.startBackup(); // the next run sends what waits
    expect((await jobDone(engine, again.jobId)).ok).toBe(true);
    expect((await SpoolingStore.pendingAt(spoolDir(home, ref.machineId))).objects).toBe(0);
    const snaps = await engine.listSnapshots();
    expect(snaps).toHaveLength(2);
    const out = join(tmp.root, 'restored');
    const restore = await engine.startRestore({ snapshotId: snaps[0]!.id, target: out, conflict: 'overwrite' });
    expect((await jobDone(engine, restore.jobId)).ok).toBe(true);
    expect(await describeTree(join(out, source.src))).toEqual(await describeTree(source.src));
  });
});
