// The appliance key split (DESIGN.md §3): what each party holds, and that no single party's share
// opens SECRET. Pure functions: the network side is proved in test/integration/appliance-client.
import { describe, it, expect, beforeAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import {
  createAdminKeys,
  createEscrow,
  derivePasswordKeys,
  openAdminPrivateKey,
  resealUserKey,
  sealPosteKey,
  unlockAsAdmin,
  unlockAsMachine,
  unlockAsUser,
  type EscrowRecord,
} from '../../../src-main/engine/crypto/index.js';
import { everythingShown, rejected, thrown } from './helpers.js';

const APPLIANCE_ID = randomBytes(16).toString('hex');
const REPO_ID = randomBytes(16).toString('hex');
const ADMIN_PASSWORD = 'admin-Pa55word';
const USER_PASSWORD = 'alice-\u00e9t\u00e9-2026';

let admin: Awaited<ReturnType<typeof createAdminKeys>>;
let escrow: EscrowRecord;
let secret: Buffer;
let posteSealed: Buffer;
let beemo: Buffer;
let userAuthKey: Buffer;

function flipB64(b64: string, at: number): string {
  const buf = Buffer.from(b64, 'base64');
  buf[at < 0 ? buf.length + at : at]! ^= 1;
  return buf.toString('base64');
}

beforeAll(async () => {
  admin = await createAdminKeys(APPLIANCE_ID, ADMIN_PASSWORD, 'test');
  const made = await createEscrow({ repoId: REPO_ID, adminPublicKey: admin.publicKey, userPassword: USER_PASSWORD, kdf: 'test' });
  escrow = made.record;
  secret = made.secret;
  userAuthKey = made.authKey;
  beemo = randomBytes(32);
  posteSealed = sealPosteKey(beemo, made.postePrivateKey, REPO_ID, escrow.secretPoste);
}, 60_000);

describe('escrow: each role opens the same SECRET', () => {
  it('machine: BEEMO_AES + POSTE_PRIV_AES + SECRET_POSTE', () => {
    expect(unlockAsMachine(beemo, posteSealed, REPO_ID, escrow.secretPoste).equals(secret)).toBe(true);
  });

  it('user: password-derived wrap key + USER_PRIV_AES + SECRET_USER; the auth key is the one enrollment sent', async () => {
    const { wrapKey, authKey } = await derivePasswordKeys(USER_PASSWORD, escrow.userPrivateKey.wrap);
    expect(authKey.equals(userAuthKey)).toBe(true);
    expect(unlockAsUser(wrapKey, escrow).equals(secret)).toBe(true);
    // The auth key (sent to the appliance) is not the wrap key (never sent).
    expect(authKey.equals(wrapKey)).toBe(false);
  });

  it('admin: admin password opens ADMIN_PRIV_AES, which opens SECRET_ADMIN', async () => {
    const { wrapKey } = await derivePasswordKeys(ADMIN_PASSWORD, admin.privateKey.wrap);
    const priv = openAdminPrivateKey(wrapKey, { applianceId: APPLIANCE_ID, privateKey: admin.privateKey });
    expect(unlockAsAdmin(priv, escrow.secretAdmin).equals(secret)).toBe(true);
  });
});

describe('escrow: no single share is enough', () => {
  it('the keychain entry (POSTE_PRIV_AES) without the appliance’s BEEMO_AES opens nothing', () => {
    const e = thrown(() => unlockAsMachine(randomBytes(32), posteSealed, REPO_ID, escrow.secretPoste));
    expect(e.code).toBe('INTEGRITY');
  });

  it('everything the appliance stores, without the keychain entry or a password, opens nothing', async () => {
    // The appliance has BEEMO_AES, the escrow record and ADMIN_PRIV_AES. Every RSA-wrapped SECRET
    // needs a private key the appliance holds only sealed; try each sealed key under BEEMO_AES.
    for (const sealed of [escrow.userPrivateKey.sealed, admin.privateKey.sealed]) {
      expect(thrown(() => unlockAsMachine(beemo, Buffer.from(sealed, 'base64'), REPO_ID, escrow.secretPoste)).code).toBe('INTEGRITY');
    }
    const wrong = await derivePasswordKeys('not the password', escrow.userPrivateKey.wrap);
    expect(thrown(() => unlockAsUser(wrong.wrapKey, escrow)).code).toBe('WRONG_PASSWORD');
    // Nor does the stored auth key stand in for the wrap key.
    expect(thrown(() => unlockAsUser(userAuthKey, escrow)).code).toBe('WRONG_PASSWORD');
  });

  it('a wrong admin password is WRONG_PASSWORD and shows no secret', async () => {
    const { wrapKey } = await derivePasswordKeys('wrong', admin.privateKey.wrap);
    const e = thrown(() => openAdminPrivateKey(wrapKey, { applianceId: APPLIANCE_ID, privateKey: admin.privateKey }));
    expect(e.code).toBe('WRONG_PASSWORD');
    expect(everythingShown(e)).not.toContain('wrong');
  });

  it('the admin key of one appliance does not open under another appliance id', async () => {
    const { wrapKey } = await derivePasswordKeys(ADMIN_PASSWORD, admin.privateKey.wrap);
    expect(thrown(() => openAdminPrivateKey(wrapKey, { applianceId: randomBytes(16).toString('hex'), privateKey: admin.privateKey })).code).toBe('WRONG_PASSWORD');
  });
});

describe('escrow: tampering on the appliance side is detected', () => {
  it('a swapped SECRET_POSTE (another machine’s, or forged) is refused', async () => {
    const other = await createEscrow({ repoId: REPO_ID, adminPublicKey: admin.publicKey, userPassword: 'x', kdf: 'test' });
    expect(thrown(() => unlockAsMachine(beemo, posteSealed, REPO_ID, other.record.secretPoste)).code).toBe('INTEGRITY');
    expect(thrown(() => unlockAsMachine(beemo, posteSealed, REPO_ID, flipB64(escrow.secretPoste, 10))).code).toBe('INTEGRITY');
  });

  it('a POSTE key sealed for another repository id is refused', () => {
    expect(thrown(() => unlockAsMachine(beemo, posteSealed, randomBytes(16).toString('hex'), escrow.secretPoste)).code).toBe('INTEGRITY');
  });

  it('a flipped bit in USER_PRIV_AES or SECRET_USER is refused, never a wrong SECRET', async () => {
    const { wrapKey } = await derivePasswordKeys(USER_PASSWORD, escrow.userPrivateKey.wrap);
    const badSealed = { ...escrow, userPrivateKey: { ...escrow.userPrivateKey, sealed: flipB64(escrow.userPrivateKey.sealed, -3) } };
    expect(() => unlockAsUser(wrapKey, badSealed)).toThrow();
    const badSecret = { ...escrow, secretUser: flipB64(escrow.secretUser, 5) };
    expect(() => unlockAsUser(wrapKey, badSecret)).toThrow();
  });

  it('a SECRET_ADMIN flipped by the appliance is refused', async () => {
    const { wrapKey } = await derivePasswordKeys(ADMIN_PASSWORD, admin.privateKey.wrap);
    const priv = openAdminPrivateKey(wrapKey, { applianceId: APPLIANCE_ID, privateKey: admin.privateKey });
    expect(thrown(() => unlockAsAdmin(priv, flipB64(escrow.secretAdmin, 7))).code).toBe('INTEGRITY');
  });
});

describe('escrow: password change', () => {
  it('reseals USER_PRIV under the new password; the old password no longer opens it', async () => {
    const old = await derivePasswordKeys(USER_PASSWORD, escrow.userPrivateKey.wrap);
    const { userPrivateKey, authKey } = await resealUserKey(old.wrapKey, escrow, 'new password!', 'test');
    const changed = { ...escrow, userPrivateKey };
    const fresh = await derivePasswordKeys('new password!', userPrivateKey.wrap);
    expect(fresh.authKey.equals(authKey)).toBe(true);
    expect(unlockAsUser(fresh.wrapKey, changed).equals(secret)).toBe(true);
    const stale = await derivePasswordKeys(USER_PASSWORD, userPrivateKey.wrap);
    expect(thrown(() => unlockAsUser(stale.wrapKey, changed)).code).toBe('WRONG_PASSWORD');
  });

  it('refuses to reseal with a wrong old password', async () => {
    const wrong = await derivePasswordKeys('nope', escrow.userPrivateKey.wrap);
    expect((await rejected(resealUserKey(wrong.wrapKey, escrow, 'new', 'test'))).code).toBe('WRONG_PASSWORD');
  });

  it('an empty user password is refused at enrollment', async () => {
    expect((await rejected(createEscrow({ repoId: REPO_ID, adminPublicKey: admin.publicKey, userPassword: '', kdf: 'test' }))).code).toBe('PASSWORD_REQUIRED');
  });
});
