// The desktop engine's password sessions against a real appliance over TLS: a user restores their
// own files on a new laptop (empty home, empty keychain), the administrator restores any machine,
// with the appliance's answers to wrong passwords and lockout; the password never comes back.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineApi, EngineEvent, JobResult } from '../../../src-main/ipc/contract.js';
import { memoryKeychain } from '../../../src-main/engine/keychain/index.js';
import { createEngineService } from '../../../src-main/engine/service/index.js';
import { aliceAndBob } from '../../helpers/applianceMachines.js';
import { ADMIN_PASSWORD, initAppliance, makeSource, startInProcess, tempRoot, USER_PASSWORD, type RunningAppliance } from './helpers.js';

function resultOf(engine: EngineApi, jobId: string): Promise<JobResult> {
  return new Promise((resolve) => {
    const off = engine.subscribe((e: EngineEvent) => {
      if (e.type === 'job:result' && e.payload.jobId === jobId) {
        off();
        resolve(e.payload);
      }
    });
  });
}

describe('password sessions of the desktop engine (real appliance)', () => {
  const tmp = tempRoot('havre-sessions-');
  let appl: RunningAppliance;
  let source: ReturnType<typeof makeSource>;
  let laptop: EngineApi;
  const seen: string[] = [];
  const newHome = join(tmp.root, 'new-laptop-home');
  const userHome = join(tmp.root, 'new-laptop-user');

  beforeAll(async () => {
    const { dir } = await initAppliance(tmp.root);
    appl = await startInProcess(dir);
    source = makeSource(tmp.root);
    await aliceAndBob(appl, tmp.root, source);
    mkdirSync(userHome, { recursive: true });
    laptop = await createEngineService({ home: newHome, credentials: async () => ({ keychain: memoryKeychain() }), userHome });
    laptop.subscribe((e) => seen.push(JSON.stringify(e)));
  });

  afterAll(async () => {
    await laptop?.close();
    await appl?.stop().catch(() => undefined);
    tmp.cleanup();
  });

  const appliance = (): { url: string; caFingerprint: string } => ({ url: appl.url, caFingerprint: appl.fingerprint });

  it('a wrong password is refused with the attempts left, and never echoed', async () => {
    const err = await laptop.openSession({ role: 'user', user: 'alice', password: 'not her password', appliance: appliance() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'WRONG_PASSWORD_ATTEMPTS', params: { remaining: 4 } });
    expect(JSON.stringify(err)).not.toContain('not her password');
  });

  it('a user restores her own files on a new laptop, byte for byte', async () => {
    const opened = await laptop.openSession({ role: 'user', user: 'alice', password: USER_PASSWORD, appliance: appliance() });
    expect(opened.kind).toBe('opened');
    if (opened.kind !== 'opened') return;
    expect(opened.session.machine).toMatchObject({ host: 'PC-ALICE', user: 'alice' });
    expect(JSON.stringify(opened)).not.toContain(USER_PASSWORD);
    const src = { kind: 'session' as const, sessionId: opened.session.sessionId };
    const [snap] = await laptop.browseSnapshots({ source: src });
    expect(snap).toBeDefined();
    const listing = await laptop.browseList({ source: src, snapshotId: snap!.id, path: source.src, offset: 0, limit: 500 });
    expect(listing.entries.map((e) => e.name).sort()).toEqual([...new Set(source.names.map((n) => n.split('/')[0]!))].sort());
    const name = source.names[0]!;
    expect((await laptop.fileVersions({ source: src, path: join(source.src, name) })).versions).toHaveLength(1);
    expect((await laptop.search({ source: src, query: name.split('/').at(-1)!, limit: 5 })).hits.length).toBeGreaterThan(0);
    // Not into the laptop's system folders, whoever's backup it is.
    await expect(laptop.startRestore({ source: src, snapshotId: snap!.id, paths: [source.src], target: '/etc', conflict: 'skip' })).rejects.toMatchObject({ code: 'RESTORE_TARGET_FORBIDDEN' });
    // Another machine's original place is not a place on this one.
    await expect(laptop.startRestore({ source: src, snapshotId: snap!.id, paths: [join(source.src, name)], target: source.src, conflict: 'skip' }))
      .rejects.toMatchObject({ code: 'RESTORE_TARGET_FORBIDDEN' });
    const target = join(userHome, 'Restored');
    const { jobId } = await laptop.startRestore({ source: src, snapshotId: snap!.id, paths: [source.src], target, conflict: 'keep-both' });
    expect((await resultOf(laptop, jobId)).ok).toBe(true);
    const base = source.src.split('/').at(-1)!;
    source.names.forEach((n, i) => expect(readFileSync(join(target, base, n)).equals(source.contents[i]!), n).toBe(true));
    expect(await laptop.closeSession({ sessionId: opened.session.sessionId })).toEqual({ closed: true });
    await expect(laptop.browseSnapshots({ source: src })).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
  });

  it('the administrator chooses among every machine, then reads the chosen one', async () => {
    const choose = await laptop.openSession({ role: 'admin', password: ADMIN_PASSWORD, appliance: appliance() });
    expect(choose).toMatchObject({ kind: 'choose-machine' });
    if (choose.kind !== 'choose-machine') return;
    expect(choose.machines.map((m) => m.host).sort()).toEqual(['PC-ALICE', 'PC-BOB']);
    const alice = choose.machines.find((m) => m.host === 'PC-ALICE')!;
    const opened = await laptop.openSession({ role: 'admin', password: ADMIN_PASSWORD, appliance: appliance(), machine: alice.machineId });
    expect(opened).toMatchObject({ kind: 'opened', session: { role: 'admin', machine: { host: 'PC-ALICE' } } });
    if (opened.kind !== 'opened') return;
    expect(await laptop.browseSnapshots({ source: { kind: 'session', sessionId: opened.session.sessionId } })).toHaveLength(1);
    await laptop.closeSession({ sessionId: opened.session.sessionId });
  });

  it('locks the account after five wrong passwords, and says until when', async () => {
    const attempts: unknown[] = [];
    for (let i = 0; i < 5; i++) attempts.push(await laptop.openSession({ role: 'user', user: 'bob', password: `wrong ${i}`, appliance: appliance() }).catch((e: unknown) => e));
    expect(attempts.slice(0, 4).map((e) => (e as { code: string }).code)).toEqual(Array(4).fill('WRONG_PASSWORD_ATTEMPTS'));
    expect(attempts[4]).toMatchObject({ code: 'LOCKED_OUT' });
    await expect(laptop.openSession({ role: 'user', user: 'bob', password: USER_PASSWORD, appliance: appliance() })).rejects.toMatchObject({ code: 'LOCKED_OUT' });
  });

  it('enrolls a computer from the app with a token, and refuses to without a keychain', async () => {
    const home = join(tmp.root, 'enrolling-home');
    const noKeychain = await createEngineService({ home, credentials: async () => ({ keychain: null, keychainUnavailableReason: 'no Secret Service' }), protect: false });
    try {
      await expect(noKeychain.enroll({ url: appl.url, token: await appl.token(), password: 'a new password' })).rejects.toMatchObject({ code: 'ENROLL_NEEDS_KEYCHAIN' });
    } finally {
      await noKeychain.close();
    }
    const keychain = memoryKeychain();
    const engine = await createEngineService({ home, credentials: async () => ({ keychain }), protect: false });
    try {
      expect(await engine.getSetup()).toMatchObject({ targets: [], appliance: null });
      const setup = await engine.enroll({ url: appl.url, token: await appl.token(), user: 'carol', password: 'carol’s password' });
      expect(setup.appliance).toMatchObject({ url: appl.url, user: 'carol', caFingerprint: appl.fingerprint });
      expect(setup.targets).toEqual([{ name: 'appliance', kind: 'appliance', role: 'primary', location: appl.url }]);
      expect((await engine.status()).repo).toBe(appl.url);
      await expect(engine.enroll({ url: appl.url, token: 'HVT1.not.a.token', password: 'x' })).rejects.toMatchObject({ code: expect.stringMatching(/TOKEN_MALFORMED|ALREADY_ENROLLED/) });
    } finally {
      await engine.close();
    }
  });

  it('never puts a password in an event', () => {
    const all = seen.join('\n');
    for (const p of [USER_PASSWORD, ADMIN_PASSWORD, 'not her password', 'wrong 0']) expect(all).not.toContain(p);
  });
});
