// Standalone key authority (FORMAT.md §3, DESIGN.md §3): the white paper's ADMIN / USER / POSTE
// hierarchy kept in the repository's `keys` object. SECRET is RSA-OAEP-wrapped for each role; each
// private key is sealed under its own wrapping key: the recovery key (ADMIN), the user's password
// (USER), the local authority key in the OS keychain (POSTE).
import { randomBytes } from 'node:crypto';
import { HavreError, isHavreError } from '../errors/index.js';
import { open, seal } from './aead.js';
import { decodeBase64Strict } from './base64.js';
import { KEYS_FORMAT, KEYS_VERSION, parseKeysRecord, privateKeyAad, type KeyRole, type KeysRecord, type RoleKeys } from './keysRecord.js';
import { derivePasswordKeys, newPasswordWrap, type PasswordWrap } from './password.js';
import { normaliseRecoveryKey, newRecoveryKey } from './recoveryKey.js';
import { wipe } from './repoKeys.js';
import { generateRsaKeyPair, rsaUnwrap, rsaWrap } from './rsa.js';

export { parseKeysRecord, privateKeyAad, type KeysRecord, type KeyRole, type LocalAuthorityWrap, type RoleKeys, type SealedPrivateKey } from './keysRecord.js';

export type KdfStrength = 'default' | 'test';

const SECRET_BYTES = 32;
const LAK_BYTES = 32;
const REPO_ID = /^[0-9a-f]{32}$/;

function b64(buf: Buffer): string {
  return buf.toString('base64');
}

/** Decodes a member of an already-parsed record; a record built by hand may still be bad. */
function fromB64(s: string, field: string): Buffer {
  const buf = decodeBase64Strict(s);
  if (buf === null) throw new HavreError('REPO_CONFIG_INVALID', { reason: `keys record: ${field} is not valid base64` });
  return buf;
}

/** Seals a fresh key pair's private half and wraps SECRET for its public half; wipes the private key. */
function roleKeys<W>(pair: { publicKey: Buffer; privateKey: Buffer }, secret: Buffer, wrap: W, wrapKey: Buffer, role: KeyRole, repoId: string): RoleKeys<W> {
  try {
    const wrapped = rsaWrap(pair.publicKey, secret);
    return {
      publicKey: b64(pair.publicKey),
      secret: b64(wrapped),
      privateKey: { wrap, sealed: b64(seal(wrapKey, pair.privateKey, privateKeyAad(role, repoId, wrapped))) },
    };
  } finally {
    wipe(pair.privateKey);
  }
}

async function passwordRole(password: string, kdf: KdfStrength): Promise<{ wrap: PasswordWrap; wrapKey: Buffer }> {
  const wrap = newPasswordWrap(kdf);
  const { wrapKey, authKey } = await derivePasswordKeys(password, wrap);
  wipe(authKey); // standalone mode has no appliance to authenticate to
  return { wrap, wrapKey };
}

/**
 * Creates the keys record of a new standalone repository. Returns SECRET and the LAK (the caller
 * stores the LAK in the keychain under `keychainAccount`, then wipes both) and the recovery key,
 * which must be shown to the user once and is never stored.
 */
export async function createStandaloneAuthority(opts: {
  repoId: string;
  userName: string;
  host: string;
  userPassword: string;
  keychainAccount: string;
  kdf?: KdfStrength;
}): Promise<{ record: KeysRecord; secret: Buffer; lak: Buffer; recoveryKey: string }> {
  if (!REPO_ID.test(opts.repoId)) throw new HavreError('REPO_CONFIG_INVALID', { reason: 'repoId must be 32 lowercase hex characters' });
  const kdf = opts.kdf ?? 'default';
  const recoveryKey = newRecoveryKey();
  // Key generation and both scrypt runs all happen on the libuv pool: start them together.
  const [adminPair, userPair, postePair, adminKdf, userKdf] = await Promise.all([
    generateRsaKeyPair(),
    generateRsaKeyPair(),
    generateRsaKeyPair(),
    passwordRole(normaliseRecoveryKey(recoveryKey), kdf),
    passwordRole(opts.userPassword, kdf),
  ]);
  const secret = randomBytes(SECRET_BYTES);
  const lak = randomBytes(LAK_BYTES);
  try {
    const record: KeysRecord = {
      format: KEYS_FORMAT,
      version: KEYS_VERSION,
      repoId: opts.repoId,
      created: new Date().toISOString(),
      admin: roleKeys(adminPair, secret, adminKdf.wrap, adminKdf.wrapKey, 'admin', opts.repoId),
      user: { name: opts.userName, ...roleKeys(userPair, secret, userKdf.wrap, userKdf.wrapKey, 'user', opts.repoId) },
      poste: {
        host: opts.host,
        ...roleKeys(postePair, secret, { alg: 'local-authority', keyRef: opts.keychainAccount }, lak, 'poste', opts.repoId),
      },
    };
    // Round-trip through the parser: what we write must be what every reader accepts.
    return { record: parseKeysRecord(JSON.parse(JSON.stringify(record))), secret, lak, recoveryKey };
  } catch (e) {
    wipe(secret, lak);
    throw e;
  } finally {
    wipe(adminPair.privateKey, userPair.privateKey, postePair.privateKey, adminKdf.wrapKey, userKdf.wrapKey);
  }
}

/** Opens a role's private key with its wrapping key, then unwraps SECRET with it. */
function unwrapSecret(record: KeysRecord, role: KeyRole, wrapKey: Buffer, what: string): Buffer {
  const keys = record[role];
  const sealed = fromB64(keys.privateKey.sealed, `${role}.privateKey.sealed`);
  const wrapped = fromB64(keys.secret, `${role}.secret`);
  const priv = open(wrapKey, sealed, privateKeyAad(role, record.repoId, wrapped), what);
  try {
    const secret = rsaUnwrap(priv, wrapped);
    if (secret.length !== SECRET_BYTES) {
      wipe(secret);
      throw new HavreError('INTEGRITY', { what: 'wrapped repository key' });
    }
    return secret;
  } finally {
    wipe(priv);
  }
}

/** Daily unlock: the LAK from the OS keychain opens POSTE's private key. */
export function unlockWithLak(record: KeysRecord, lak: Buffer): Buffer {
  const what = 'local authority key';
  // A LAK that does not fit is a keychain/repository mismatch, not a mistyped password.
  if (lak.length !== LAK_BYTES) throw new HavreError('INTEGRITY', { what });
  return unwrapSecret(record, 'poste', lak, what);
}

/** A failed tag under a password-derived key almost always means a wrong password. */
async function unlockWithPasswordRole(record: KeysRecord, role: 'admin' | 'user', password: string): Promise<Buffer> {
  const { wrapKey, authKey } = await derivePasswordKeys(password, record[role].privateKey.wrap);
  wipe(authKey);
  try {
    return unwrapSecret(record, role, wrapKey, `${role} private key`);
  } catch (e) {
    if (isHavreError(e, 'INTEGRITY') && e.params.what === `${role} private key`) throw new HavreError('WRONG_PASSWORD');
    throw e;
  } finally {
    wipe(wrapKey);
  }
}

/** Unlock on any machine with the user's password. Wrong password → WRONG_PASSWORD. */
export function unlockWithPassword(record: KeysRecord, password: string): Promise<Buffer> {
  return unlockWithPasswordRole(record, 'user', password);
}

/** Unlock with the recovery key (standalone ADMIN). Wrong key → WRONG_PASSWORD. */
export function unlockWithRecoveryKey(record: KeysRecord, recoveryKey: string): Promise<Buffer> {
  return unlockWithPasswordRole(record, 'admin', normaliseRecoveryKey(recoveryKey));
}

/**
 * Forgotten password: the recovery key unlocks SECRET, and the user gets a new key pair sealed
 * under the new password (the old USER private key cannot be opened without the old password).
 * Returns a new record; the repository stores it as a new `keys` object.
 */
export async function rewrapUserPassword(record: KeysRecord, recoveryKey: string, newPassword: string, kdf: KdfStrength = 'default'): Promise<KeysRecord> {
  const secret = await unlockWithRecoveryKey(record, recoveryKey);
  try {
    const [pair, userKdf] = await Promise.all([generateRsaKeyPair(), passwordRole(newPassword, kdf)]);
    try {
      const user = { name: record.user.name, ...roleKeys(pair, secret, userKdf.wrap, userKdf.wrapKey, 'user', record.repoId) };
      return parseKeysRecord(JSON.parse(JSON.stringify({ ...record, user })));
    } finally {
      wipe(pair.privateKey, userKdf.wrapKey);
    }
  } finally {
    wipe(secret);
  }
}

/** Password change: the old password opens the USER private key, which is resealed under the new one. */
export async function changeUserPassword(record: KeysRecord, oldPassword: string, newPassword: string, kdf: KdfStrength = 'default'): Promise<KeysRecord> {
  const oldKeys = await derivePasswordKeys(oldPassword, record.user.privateKey.wrap);
  wipe(oldKeys.authKey);
  let priv: Buffer;
  try {
    priv = open(oldKeys.wrapKey, fromB64(record.user.privateKey.sealed, 'user.privateKey.sealed'), privateKeyAad('user', record.repoId, fromB64(record.user.secret, 'user.secret')), 'user private key');
  } catch (e) {
    if (isHavreError(e, 'INTEGRITY')) throw new HavreError('WRONG_PASSWORD');
    throw e;
  } finally {
    wipe(oldKeys.wrapKey);
  }
  try {
    // Prove the key still fits the record before sealing it anew, so a damaged record is not carried on.
    wipe(rsaUnwrap(priv, fromB64(record.user.secret, 'user.secret')));
    const { wrap, wrapKey } = await passwordRole(newPassword, kdf);
    try {
      const sealed = b64(seal(wrapKey, priv, privateKeyAad('user', record.repoId, fromB64(record.user.secret, 'user.secret'))));
      const user = { ...record.user, privateKey: { wrap, sealed } };
      return parseKeysRecord(JSON.parse(JSON.stringify({ ...record, user })));
    } finally {
      wipe(wrapKey);
    }
  } finally {
    wipe(priv);
  }
}

/**
 * New POSTE key pair and LAK for this machine, e.g. after its keychain entry was lost and the user
 * unlocked with the password. The caller stores the returned LAK under `keychainAccount`.
 */
export async function replacePosteKey(record: KeysRecord, secret: Buffer, opts: { host: string; keychainAccount: string }): Promise<{ record: KeysRecord; lak: Buffer }> {
  if (secret.length !== SECRET_BYTES) throw new HavreError('INTERNAL', { reason: 'repository SECRET must be 32 bytes' });
  const pair = await generateRsaKeyPair();
  const lak = randomBytes(LAK_BYTES);
  try {
    const poste = { host: opts.host, ...roleKeys(pair, secret, { alg: 'local-authority' as const, keyRef: opts.keychainAccount }, lak, 'poste', record.repoId) };
    return { record: parseKeysRecord(JSON.parse(JSON.stringify({ ...record, poste }))), lak };
  } catch (e) {
    wipe(lak);
    throw e;
  } finally {
    wipe(pair.privateKey);
  }
}
