// The three appliance SecretSources against a stand-in client holding real escrow material, and
// the choice of a machine. The appliance itself is replaced; the key math is the real one.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdminSecretSource, chooseMachine, machineSecretSource, UserSecretSource, posteAccount, type ApplianceClient } from '../../../src-main/engine/appliance/index.js';
import type { MachineSummary } from '../../../src-main/engine/appliance/protocol.js';
import { createAdminKeys, createEscrow, sealPosteKey, unlockAsMachine, type EscrowRecord, type SealedKey } from '../../../src-main/engine/crypto/index.js';
import { HavreError } from '../../../src-main/engine/errors/index.js';
import { memoryKeychain } from '../../../src-main/engine/keychain/index.js';

const APPLIANCE = 'a'.repeat(32);
const MACHINE = 'b'.repeat(32);
const REPO = 'c'.repeat(32);
const USER_PW = 'user password';
const ADMIN_PW = 'admin password';

let escrow: { record: EscrowRecord; authKey: Buffer; secret: Buffer };
let admin: { publicKey: string; privateKey: SealedKey; authKey: Buffer };
let beemo: Buffer;
let posteSealed: Buffer;

beforeAll(async () => {
  admin = await createAdminKeys(APPLIANCE, ADMIN_PW, 'test');
  const e = await createEscrow({ repoId: REPO, adminPublicKey: admin.publicKey, userPassword: USER_PW, kdf: 'test' });
  beemo = randomBytes(32);
  posteSealed = sealPosteKey(beemo, e.postePrivateKey, REPO, e.record.secretPoste);
  escrow = { record: e.record, authKey: e.authKey, secret: e.secret };
});

const summary: MachineSummary = { machineId: MACHINE, host: 'PC-ALICE', user: 'alice', enrolled: '2026-01-01T00:00:00.000Z', lastSeen: null, revoked: false };

/** What the appliance would answer, with counters. */
function fakeAppliance(opts: { beemo?: Buffer; repoId?: string } = {}) {
  const calls = { machineKeys: 0, login: 0, adminMachineKeys: 0 };
  const client = {
    machineKeys: async () => {
      calls.machineKeys++;
      return { machineId: MACHINE, repoId: opts.repoId ?? REPO, host: 'PC-ALICE', user: 'alice', beemoAes: (opts.beemo ?? beemo).toString('base64'), secretPoste: escrow.record.secretPoste };
    },
    authParams: async (req: { role: string }) => (req.role === 'user'
      ? { role: 'user', machines: [{ ...summary, wrap: escrow.record.userPrivateKey.wrap }] }
      : { role: 'admin', wrap: admin.privateKey.wrap }),
    login: async (req: { role: string; authKey: string; machineId?: string }) => {
      calls.login++;
      const expected = req.role === 'user' ? escrow.authKey : admin.authKey;
      if (req.authKey !== expected.toString('base64')) throw new HavreError('WRONG_PASSWORD_ATTEMPTS', { remaining: 4 });
      return req.role === 'user'
        ? { role: 'user', session: 's'.repeat(43), expires: '2026-01-01T01:00:00.000Z', keys: { machineId: MACHINE, repoId: REPO, host: 'PC-ALICE', user: 'alice', userPublicKey: escrow.record.userPublicKey, secretUser: escrow.record.secretUser, userPrivateKey: escrow.record.userPrivateKey } }
        : { role: 'admin', session: 's'.repeat(43), expires: '2026-01-01T01:00:00.000Z', keys: { applianceId: APPLIANCE, publicKey: admin.publicKey, privateKey: admin.privateKey } };
    },
    adminMachines: async () => [summary, { ...summary, machineId: 'd'.repeat(32), host: 'PC-BOB', user: 'bob' }],
    adminMachineKeys: async (id: string) => {
      calls.adminMachineKeys++;
      return { machineId: id, repoId: REPO, host: 'PC-ALICE', user: 'alice', secretAdmin: escrow.record.secretAdmin };
    },
  };
  return { client: client as unknown as ApplianceClient, calls };
}

describe('machine unlock (daily backups)', () => {
  it('BEEMO_AES from the appliance opens POSTE_PRIV_AES from the keychain: SECRET', async () => {
    const keychain = memoryKeychain();
    await keychain.setSecret(posteAccount(MACHINE), posteSealed);
    const { client } = fakeAppliance();
    const r = await machineSecretSource({ client, keychain, machineId: MACHINE }).unlock(REPO);
    expect(r.via).toBe('appliance-machine');
    expect(r.secret.equals(escrow.secret)).toBe(true);
  });

  it('without the keychain entry: KEYCHAIN_ENTRY_MISSING (the password still works)', async () => {
    const { client, calls } = fakeAppliance();
    await expect(machineSecretSource({ client, keychain: memoryKeychain(), machineId: MACHINE }).unlock(REPO)).rejects.toMatchObject({ code: 'KEYCHAIN_ENTRY_MISSING' });
    expect(calls.machineKeys).toBe(0);
  });

  it('the keychain entry alone opens nothing: without the appliance’s BEEMO_AES it is noise', async () => {
    const keychain = memoryKeychain();
    await keychain.setSecret(posteAccount(MACHINE), posteSealed);
    const { client } = fakeAppliance({ beemo: randomBytes(32) }); // anything but the real BEEMO_AES
    await expect(machineSecretSource({ client, keychain, machineId: MACHINE }).unlock(REPO)).rejects.toMatchObject({ code: 'INTEGRITY' });
    expect(posteSealed.includes(escrow.secret)).toBe(false);
  });

  it('the appliance’s records alone open nothing: BEEMO_AES needs POSTE_PRIV_AES, which only the keychain has', () => {
    // Everything the appliance holds for this machine: BEEMO_AES, the wrapped SECRETs, USER_PRIV_AES.
    const held = Buffer.concat([beemo, ...Object.values(escrow.record).filter((v): v is string => typeof v === 'string').map((v) => Buffer.from(v, 'base64'))]);
    expect(held.includes(escrow.secret)).toBe(false);
    expect(() => unlockAsMachine(beemo, randomBytes(posteSealed.length), REPO, escrow.record.secretPoste)).toThrow(HavreError);
  });

  it('refuses keys for another repository', async () => {
    const keychain = memoryKeychain();
    await keychain.setSecret(posteAccount(MACHINE), posteSealed);
    const { client } = fakeAppliance({ repoId: 'e'.repeat(32) });
    await expect(machineSecretSource({ client, keychain, machineId: MACHINE }).unlock(REPO)).rejects.toMatchObject({ code: 'INTEGRITY' });
  });

  it('with cache: keeps working while the appliance is away, until lock()', async () => {
    const keychain = memoryKeychain();
    await keychain.setSecret(posteAccount(MACHINE), posteSealed);
    const { client, calls } = fakeAppliance();
    const src = machineSecretSource({ client, keychain, machineId: MACHINE, cache: true });
    const first = await src.unlock(REPO);
    first.secret.fill(0); // the caller wipes its copy: the cache keeps its own
    const second = await src.unlock(REPO);
    expect(second.secret.equals(escrow.secret)).toBe(true);
    expect(calls.machineKeys).toBe(1);
    src.lock();
    await src.unlock(REPO);
    expect(calls.machineKeys).toBe(2);
  });
});

describe('user unlock (any computer, the password)', () => {
  it('signs in with the auth key, never the password, and opens SECRET', async () => {
    const { client, calls } = fakeAppliance();
    const src = new UserSecretSource({ client, user: 'alice', password: USER_PW });
    expect(await src.login()).toMatchObject({ machineId: MACHINE, repoId: REPO });
    const r = await src.unlock(REPO);
    expect(r.via).toBe('appliance-user');
    expect(r.secret.equals(escrow.secret)).toBe(true);
    expect(calls.login).toBe(1);
  });

  it('a wrong password is the appliance’s WRONG_PASSWORD_ATTEMPTS, with what is left', async () => {
    const { client } = fakeAppliance();
    await expect(new UserSecretSource({ client, user: 'alice', password: 'nope' }).unlock(REPO)).rejects.toMatchObject({ code: 'WRONG_PASSWORD_ATTEMPTS', params: { remaining: 4 } });
  });
});

describe('admin unlock', () => {
  it('the admin password opens ADMIN_PRIV_AES, which opens the chosen machine’s SECRET_ADMIN', async () => {
    const { client } = fakeAppliance();
    const src = new AdminSecretSource({ client, password: ADMIN_PW, machine: 'pc-alice' });
    expect(await src.login()).toMatchObject({ machineId: MACHINE, repoId: REPO });
    const r = await src.unlock(REPO);
    expect(r.via).toBe('appliance-admin');
    expect(r.secret.equals(escrow.secret)).toBe(true);
  });

  it('asks which machine when there are several', async () => {
    const { client } = fakeAppliance();
    await expect(new AdminSecretSource({ client, password: ADMIN_PW }).login()).rejects.toMatchObject({ code: 'MACHINE_AMBIGUOUS' });
    expect(await new AdminSecretSource({ client, password: ADMIN_PW, user: 'bob' }).login()).toMatchObject({ machineId: 'd'.repeat(32) });
  });
});

describe('chooseMachine', () => {
  const ms: MachineSummary[] = [
    { ...summary, machineId: '0123456789abcdef0123456789abcdef', host: 'PC-ALICE' },
    { ...summary, machineId: '0123ffffffffffffffffffffffffffff', host: 'LAPTOP-ALICE', revoked: true },
    { ...summary, machineId: 'fedcba9876543210fedcba9876543210', host: 'pc-alice' },
  ];
  it('by full id, id prefix (≥ 4) or host name, case-insensitively', () => {
    expect(chooseMachine(ms, 'fedcba9876543210fedcba9876543210').host).toBe('pc-alice');
    expect(chooseMachine(ms, '0123f').host).toBe('LAPTOP-ALICE');
    expect(chooseMachine(ms, 'laptop-alice').machineId).toMatch(/^0123f/);
    expect(chooseMachine([ms[0]!]).host).toBe('PC-ALICE');
  });
  it('several → MACHINE_AMBIGUOUS naming host and id; none → MACHINE_UNKNOWN', () => {
    const e = (() => {
      try {
        chooseMachine(ms, 'pc-alice');
      } catch (err) {
        return err as HavreError;
      }
      throw new Error('no error');
    })();
    expect(e.code).toBe('MACHINE_AMBIGUOUS');
    expect(e.message).toContain('PC-ALICE (0123456789abcdef0123456789abcdef)');
    expect(e.message).toContain('pc-alice (fedcba9876543210fedcba9876543210)');
    expect(() => chooseMachine(ms, '0123')).toThrow(/Several machines/);
    expect(() => chooseMachine(ms, 'nowhere')).toThrow(expect.objectContaining({ code: 'MACHINE_UNKNOWN' }));
    expect(() => chooseMachine(ms, '012')).toThrow(expect.objectContaining({ code: 'MACHINE_UNKNOWN' })); // too short a prefix
    expect(() => chooseMachine([])).toThrow(expect.objectContaining({ code: 'MACHINE_UNKNOWN' }));
    expect(() => chooseMachine(ms)).toThrow(expect.objectContaining({ code: 'MACHINE_AMBIGUOUS' }));
  });
});
