// The user's restore password after a silent enrollment (issue 8; PROTOCOL.md §5,
// POST /v1/machine/password), against the real reference appliance over mutual TLS: the machine
// IT enrolled from the policy has no password anyone knows; the user chooses one, and from another
// computer that password restores the files byte for byte. Bad inputs tried: setting a password
// again without the current one, a wrong current one (counted toward the lockout), the old
// password after a change, a machine not enrolled, a
// request whose keys are not an RSA-3072 pair, and the same route without a machine certificate.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplianceClient, enrollMachine, openMachineTarget, restorePasswordReminderFile, restorePasswordStatus, setRestorePassword, withPasswordSession } from '../../../src-main/engine/appliance/index.js';
import { readPinnedCa } from '../../../src-main/engine/appliance/localFiles.js';
import { createUserKeys } from '../../../src-main/engine/crypto/index.js';
import { isHavreError } from '../../../src-main/engine/errors/index.js';
import type { ApplianceRepoRef } from '../../../src-main/engine/home/homeConfig.js';
import { runRestore } from '../../../src-main/engine/jobs/index.js';
import { memoryKeychain } from '../../../src-main/engine/keychain/index.js';
import { describeTree } from '../../helpers/trees.js';
import { FAST_RETRY, initAppliance, silentlyEnrolledWithBackup, startInProcess, tempRoot, USER_PASSWORD, type RunningAppliance } from './helpers.js';

async function failure(p: Promise<unknown>): Promise<{ code: string; params: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    if (isHavreError(e)) return { code: e.code, params: e.params };
    throw e;
  }
  throw new Error('expected a failure');
}

describe('restore password after a silent enrollment (real appliance)', () => {
  const t = tempRoot('havre-restore-password-');
  let appl: RunningAppliance;
  const keychain = memoryKeychain();
  const home = join(t.root, 'home');
  let ref: ApplianceRepoRef;
  let src: string;
  const tuning = { retry: FAST_RETRY };
  const access = { home, keychain, tuning, kdf: 'test' as const };

  beforeAll(async () => {
    appl = await startInProcess((await initAppliance(t.root)).dir);
    const m = await silentlyEnrolledWithBackup(appl, join(t.root, 'src-root'), { home, keychain, user: 'alice', host: 'PC-ALICE' });
    ref = m.ref;
    src = m.source.src;
  });
  afterAll(async () => {
    await appl.stop();
    t.cleanup();
  });

  /** A restore on a new laptop: a fresh home, the appliance's address and CA fingerprint from IT, the password. */
  async function restoreElsewhere(password: string, name: string): Promise<void> {
    const other = join(t.root, name);
    mkdirSync(other, { recursive: true });
    await withPasswordSession({ home: other, role: 'user', user: 'alice', password, url: appl.url, fingerprint: ref.caFingerprint, tuning }, async (repo) => {
      const out = join(other, 'out');
      const r = await runRestore(repo, { snapshot: 'latest', target: out });
      expect(r.failed).toEqual([]);
      expect(await describeTree(join(out, src))).toEqual(await describeTree(src));
    });
  }

  it('a silent enrollment leaves no password: the appliance says so and the engine keeps a reminder', async () => {
    expect(await restorePasswordStatus(access)).toEqual({ machineId: ref.machineId, passwordSet: false });
    expect(existsSync(restorePasswordReminderFile(home))).toBe(true);
    // The forgotten random password is not guessable; an empty one is refused before anything is sent.
    expect((await failure(setRestorePassword({ ...access, password: '' }))).code).toBe('PASSWORD_REQUIRED');
  });

  it('the user chooses one without knowing the old: it restores the files byte for byte from another computer', async () => {
    expect(await setRestorePassword({ ...access, password: 'my new restore password' })).toEqual({ machineId: ref.machineId, first: true });
    expect(existsSync(restorePasswordReminderFile(home))).toBe(false);
    expect(await restorePasswordStatus(access)).toMatchObject({ passwordSet: true });
    await restoreElsewhere('my new restore password', 'laptop-1');
    const log = appl.app!.log.list({ machineId: ref.machineId }).map((e) => e.action);
    expect(log).toContain('user.password');
  });

  it('once chosen, changing it needs the current one; a wrong one counts toward the lockout', async () => {
    expect((await failure(setRestorePassword({ ...access, password: 'another' }))).code).toBe('RESTORE_PASSWORD_CHOSEN');
    const wrong = await failure(setRestorePassword({ ...access, password: 'another', currentPassword: 'not it' }));
    expect(wrong).toMatchObject({ code: 'WRONG_PASSWORD_ATTEMPTS', params: { remaining: 4 } });
    expect(await setRestorePassword({ ...access, password: 'the second password', currentPassword: 'my new restore password' })).toMatchObject({ first: false });
    const old = await failure(restoreElsewhere('my new restore password', 'laptop-3'));
    expect(old.code).toBe('WRONG_PASSWORD_ATTEMPTS'); // a success reset the count: 4 left again
    expect(old.params.remaining).toBe(4);
    await restoreElsewhere('the second password', 'laptop-4');
  });

  it('a machine enrolled with a chosen password cannot have it replaced without it; an unenrolled home is told to enroll', async () => {
    const home2 = join(t.root, 'home-chosen');
    const kc2 = memoryKeychain();
    await enrollMachine({ url: appl.url, token: await appl.token(), user: 'bob', host: 'PC-BOB', password: USER_PASSWORD, keychain: kc2, home: home2, kdf: 'test', client: { retry: FAST_RETRY } });
    expect(await restorePasswordStatus({ home: home2, keychain: kc2, tuning })).toMatchObject({ passwordSet: true });
    expect(existsSync(restorePasswordReminderFile(home2))).toBe(false);
    expect((await failure(setRestorePassword({ home: home2, keychain: kc2, tuning, kdf: 'test', password: 'taken over' }))).code).toBe('RESTORE_PASSWORD_CHOSEN');
    expect((await failure(setRestorePassword({ home: join(t.root, 'nowhere'), keychain: kc2, tuning, password: 'x' }))).code).toBe('NOT_ENROLLED');
  });

  it('the appliance refuses keys that are not a USER pair, and the route without a machine certificate', async () => {
    const target = await openMachineTarget(home, ref, keychain, { tuning });
    try {
      const bad = await failure(target.client.setPassword({ keys: { userPublicKey: Buffer.alloc(300, 1).toString('base64'), secretUser: Buffer.alloc(384).toString('base64'),
        userPrivateKey: { wrap: { alg: 'scrypt', N: 16384, r: 8, p: 1, salt: Buffer.alloc(16).toString('base64') }, sealed: Buffer.alloc(64).toString('base64') } }, authKey: Buffer.alloc(32).toString('base64') }));
      expect(bad).toMatchObject({ code: 'APPLIANCE_ERROR' });
      expect(String(bad.params.code)).toBe('BAD_REQUEST');
    } finally {
      target.close();
    }
    // The same request from a client that trusts the appliance but shows no machine certificate.
    const anonymous = new ApplianceClient({ url: appl.url, ca: await readPinnedCa(home, ref), retry: FAST_RETRY });
    try {
      const made = await createUserKeys({ repoId: ref.repoId, secret: Buffer.alloc(32, 7), userPassword: 'hijack', kdf: 'test' });
      const refused = await failure(anonymous.setPassword({ keys: made.record, authKey: made.authKey.toString('base64') }));
      expect(refused.code).toMatch(/^APPLIANCE_/);
      expect(String(refused.params.code ?? refused.params.reason)).toMatch(/AUTH_REQUIRED|certificate/i);
    } finally {
      anonymous.close();
    }
    // Still the second password: nothing above changed it.
    await restoreElsewhere('the second password', 'laptop-5');
  });
});
