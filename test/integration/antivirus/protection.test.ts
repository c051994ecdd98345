// The antivirus filter through the real Protector (continuous protection, hosted by the engine
// service as in the app and `havre daemon`) with a real clamd: an EICAR file in a protected folder
// is never stored, the clean files beside it are, the user gets an OS alert, and the audit log
// names the file (sealed). Then clamd goes away with the policy "block": the backup fails with
// SCANNER_UNAVAILABLE and says so; with "continue" it stores unscanned and counts them.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobId } from '../../../src-main/engine/crypto/index.js';
import { antivirusFile } from '../../../src-main/engine/antivirus/index.js';
import { writeHomeConfig } from '../../../src-main/engine/home/homeConfig.js';
import { runBackup, runRestore } from '../../../src-main/engine/jobs/index.js';
import { readConfig, withRepository } from '../../../src-main/engine/repo/index.js';
import { createEngineService, type EngineService } from '../../../src-main/engine/service/index.js';
import { updateSettings } from '../../../src-main/engine/settings/index.js';
import { FsStore } from '../../../src-main/engine/store/index.js';
import type { AlertEvent, EngineEvent } from '../../../src-main/ipc/contract.js';
import { EICAR, EICAR_SIGNATURE, haveClamd, startClamd, type TestClamd } from '../../helpers/clamd.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';
import { untilValue } from '../../helpers/until.js';


describe.skipIf(!haveClamd())('antivirus filter with a real clamd', () => {
  let clamd: TestClamd;
  let f: RepoFixture;
  let src: string;
  const open = <T>(fn: Parameters<typeof withRepository<T>>[2]): Promise<T> =>
    FsStore.open(f.repo).then((s) => withRepository(s, { home: f.home, credentials: { password: f.password } }, fn));

  beforeAll(async () => {
    clamd = await startClamd();
    f = newRepo();
    const repoId = (await readConfig(await FsStore.open(f.repo))).config.repoId;
    await writeHomeConfig(f.home, { version: 1, repo: { path: f.repo, repoId } });
    src = join(f.dir, 'Documents');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'report.txt'), 'quarterly report\n');
    writeFileSync(join(src, 'invoice.pdf.exe'), EICAR);
    await updateSettings(f.home, { folders: [src] }, f.dir);
    writeFileSync(antivirusFile(f.home), JSON.stringify({ enabled: true, socket: clamd.socket, whenUnavailable: 'block' }));
  });
  afterAll(async () => {
    await clamd.stop();
    f.cleanup();
  });

  it('an EICAR file in a protected folder is never stored and raises an alert; the clean file is backed up', async () => {
    const engine: EngineService = await createEngineService({ home: f.home, credentials: async () => ({ password: f.password }), userHome: f.dir });
    const alerts: AlertEvent[] = [];
    engine.subscribe((e: EngineEvent) => {
      if (e.type === 'alert') alerts.push(e.payload);
    });
    try {
      const alert = await untilValue(() => alerts.find((a) => a.kind === 'virus-found'), 'the virus alert from the start-up scan');
      expect(alert).toMatchObject({ severity: 'critical', code: 'VIRUS_FOUND' });
      expect(alert.message).toContain(EICAR_SIGNATURE);
      expect(alert.messageFr).toContain('infecté');
    } finally {
      await engine.close();
    }
    await open(async (repo) => {
      // Not in any snapshot, and not one of its bytes stored as a blob.
      expect(repo.catalog.hasBlob(blobId(repo.keys.id, EICAR))).toBe(false);
      const out = join(f.dir, 'restored');
      const r = await runRestore(repo, { snapshot: 'latest', target: out });
      expect(r.failed).toEqual([]);
      const restored = join(out, ...src.split('/').filter(Boolean));
      expect(readFileSync(join(restored, 'report.txt'), 'utf8')).toBe('quarterly report\n');
      expect(existsSync(join(restored, 'invoice.pdf.exe'))).toBe(false);
      // The audit log: a virus.found event, the signature in clear, the file name sealed.
      const virus = repo.audit!.events().find((e) => e.type === 'virus.found')!;
      expect(virus.data).toMatchObject({ signatures: [EICAR_SIGNATURE], count: 1 });
      expect(JSON.stringify(virus.data)).not.toContain('invoice');
      expect(repo.audit!.filesOf(virus)).toEqual([join(src, 'invoice.pdf.exe')]);
    });
  });

  it('clamd unavailable: "block" fails the backup with SCANNER_UNAVAILABLE (logged); "continue" stores and counts unscanned', async () => {
    writeFileSync(join(src, 'new.txt'), 'written while clamd is down\n');
    const down = join(f.dir, 'no-clamd.sock');
    writeFileSync(antivirusFile(f.home), JSON.stringify({ enabled: true, socket: down, whenUnavailable: 'block' }));
    await open(async (repo) => {
      await expect(runBackup(repo, { paths: [src], home: f.home })).rejects.toMatchObject({ code: 'SCANNER_UNAVAILABLE' });
      expect(repo.audit!.events().at(-1)).toMatchObject({ type: 'job.failed', data: { job: 'backup', error: 'SCANNER_UNAVAILABLE' } });
    });
    writeFileSync(antivirusFile(f.home), JSON.stringify({ enabled: true, socket: down, whenUnavailable: 'continue' }));
    await open(async (repo) => {
      const r = await runBackup(repo, { paths: [src], home: f.home });
      expect(r.wroteSnapshot).toBe(true);
      const done = repo.audit!.events().at(-1)!;
      expect(done).toMatchObject({ type: 'job.done', data: { job: 'backup', scanned: true } });
      expect(done.data.unscanned).toBeGreaterThan(0);
      expect(String(done.data.scannerFailure)).toContain('not running');
    });
  });

  it("IT's machine policy decides over antivirus.json: its clamd finds the EICAR file; disabled there, nothing is scanned", async () => {
    const root = join(f.dir, 'policy-root');
    mkdirSync(join(root, 'etc', 'havre'), { recursive: true });
    const policyFile = join(root, 'etc', 'havre', 'policy.json');
    const previous = process.env.HAVRE_POLICY_ROOT;
    process.env.HAVRE_POLICY_ROOT = root;
    try {
      // antivirus.json points at no scanner with "block"; the policy's clamd is the real one.
      writeFileSync(antivirusFile(f.home), JSON.stringify({ enabled: true, socket: join(f.dir, 'no-clamd.sock'), whenUnavailable: 'block' }));
      writeFileSync(join(src, 'second.exe'), EICAR);
      writeFileSync(policyFile, JSON.stringify({ version: 1, antivirus: { enabled: true, clamd: `unix:${clamd.socket}`, whenUnavailable: 'block' } }));
      await open(async (repo) => {
        const r = await runBackup(repo, { paths: [src], home: f.home });
        // (invoice.pdf.exe was stored unscanned by the "continue" run above and is unchanged since: not read again)
        expect(r.problems.filter((p) => p.kind === 'infected').map((p) => p.path)).toEqual([join(src, 'second.exe')]);
        // IT's policy taking effect is an operation of the audit log: which parts, from where, never the values.
        const changed = repo.audit!.events().filter((e) => e.type === 'policy.changed');
        expect(changed.at(-1)?.data).toMatchObject({ sources: [policyFile], parts: ['antivirus'] });
        expect(JSON.stringify(changed.at(-1)?.data)).not.toContain(clamd.socket);
      });
      writeFileSync(policyFile, JSON.stringify({ version: 1, antivirus: { enabled: false } }));
      await open(async (repo) => {
        const r = await runBackup(repo, { paths: [src], home: f.home }); // no scan, so the unreachable scanner of antivirus.json does not block
        expect(r.problems.filter((p) => p.kind === 'infected')).toEqual([]);
        expect(repo.audit!.events().at(-1)?.data.scanned).toBeUndefined();
      });
    } finally {
      if (previous === undefined) delete process.env.HAVRE_POLICY_ROOT;
      else process.env.HAVRE_POLICY_ROOT = previous;
      rmSync(join(src, 'second.exe'));
    }
  });

  it('a malformed antivirus.json is a clear SETTINGS_INVALID, not a silent skip', async () => {
    writeFileSync(antivirusFile(f.home), JSON.stringify({ enabled: true, socket: '', whenUnavailable: 'maybe' }));
    await open(async (repo) => {
      await expect(runBackup(repo, { paths: [src], home: f.home })).rejects.toMatchObject({ code: 'SETTINGS_INVALID' });
    });
  });
});
