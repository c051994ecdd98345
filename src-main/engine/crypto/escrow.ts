// Appliance mode of the key hierarchy (DESIGN.md §3, PROTOCOL.md §Keys): the workstation creates
// SECRET and the USER/POSTE pairs, wraps SECRET for ADMIN, USER and POSTE, and escrows all of it
// on the appliance except POSTE's private key, which it seals with the appliance's BEEMO_AES and
// keeps in the OS keychain. Neither side alone holds a path to SECRET.
import { randomBytes } from 'node:crypto';
import { HavreError, isHavreError } from '../errors/index.js';
import { open, seal } from './aead.js';
import { decodeBase64Strict } from './base64.js';
import { privateKeyAad } from './keysRecord.js';
import { derivePasswordKeys, newPasswordWrap, type PasswordWrap } from './password.js';
import { wipe } from './repoKeys.js';
import { generateRsaKeyPair, rsaUnwrap, rsaWrap } from './rsa.js';

const SECRET_BYTES = 32;
const WRAP_KEY_BYTES = 32;

export interface SealedKey {
  readonly wrap: PasswordWrap;
  readonly sealed: string;
}

/** Escrowed on the appliance at enrollment (protocol's EscrowKeys). */
export interface EscrowRecord {
  readonly repoId: string;
  readonly userPublicKey: string;
  readonly postePublicKey: string;
  readonly secretAdmin: string;
  readonly secretUser: string;
  readonly secretPoste: string;
  readonly userPrivateKey: SealedKey;
}

function b64(buf: Buffer): string {
  return buf.toString('base64');
}

function fromB64(s: string, what: string): Buffer {
  const buf = decodeBase64Strict(s);
  if (buf === null) throw new HavreError('INTEGRITY', { what });
  return buf;
}

function adminAad(applianceId: string): Buffer {
  return Buffer.from(`havre/v1/key/appliance-admin/${applianceId}`, 'utf8');
}

function checkSecret(secret: Buffer): Buffer {
  if (secret.length !== SECRET_BYTES) {
    wipe(secret);
    throw new HavreError('INTEGRITY', { what: 'wrapped repository key' });
  }
  return secret;
}

/** Opens a sealed private key; a failed tag under a password-derived key means a wrong password. */
function openPasswordSealed(wrapKey: Buffer, sealed: string, aad: Buffer, what: string): Buffer {
  try {
    return open(wrapKey, fromB64(sealed, what), aad, what);
  } catch (e) {
    if (isHavreError(e, 'INTEGRITY')) throw new HavreError('WRONG_PASSWORD');
    throw e;
  }
}

/**
 * Appliance set-up: the ADMIN pair, its private key sealed under the admin password (ADMIN_PRIV_AES).
 * Returns the auth key too: the appliance stores only a hash of it, then wipes it.
 */
export async function createAdminKeys(applianceId: string, adminPassword: string, kdf: 'default' | 'test' = 'default'): Promise<{
  publicKey: string;
  privateKey: SealedKey;
  authKey: Buffer;
}> {
  if (adminPassword.length === 0) throw new HavreError('PASSWORD_REQUIRED');
  const wrap = newPasswordWrap(kdf);
  const [pair, derived] = await Promise.all([generateRsaKeyPair(), derivePasswordKeys(adminPassword, wrap)]);
  try {
    return {
      publicKey: b64(pair.publicKey),
      privateKey: { wrap, sealed: b64(seal(derived.wrapKey, pair.privateKey, adminAad(applianceId))) },
      authKey: derived.authKey,
    };
  } finally {
    wipe(pair.privateKey, derived.wrapKey);
  }
}

/**
 * Enrollment, on the workstation: SECRET, the USER and POSTE pairs, SECRET wrapped for all three
 * roles, USER_PRIV sealed under the user's password. The caller sends `record` and `authKey`, then
 * seals `postePrivateKey` with the BEEMO_AES it gets back (sealPosteKey) and wipes what is returned.
 */
/** The USER role's part of the escrow: what a new restore password replaces (PROTOCOL.md §5). */
export type UserKeyRecord = Pick<EscrowRecord, 'userPublicKey' | 'secretUser' | 'userPrivateKey'>;

/** SECRET wrapped for a USER pair whose private key is sealed under the password's wrap key. */
function userKeyRecord(repoId: string, secret: Buffer, userPair: { publicKey: Buffer; privateKey: Buffer }, wrap: PasswordWrap, wrapKey: Buffer): UserKeyRecord {
  const secretUser = rsaWrap(userPair.publicKey, secret);
  return { userPublicKey: b64(userPair.publicKey), secretUser: b64(secretUser), userPrivateKey: { wrap, sealed: b64(seal(wrapKey, userPair.privateKey, privateKeyAad('user', repoId, secretUser))) } };
}

/**
 * A new restore password for an enrolled machine: a fresh USER pair holding SECRET, its private
 * key sealed under the new password. Nothing of the old USER keys is needed (after a silent
 * enrollment no one knows the old password). The caller sends the record and the auth key, then wipes it.
 */
export async function createUserKeys(opts: { repoId: string; secret: Buffer; userPassword: string; kdf?: 'default' | 'test' }): Promise<{ record: UserKeyRecord; authKey: Buffer }> {
  if (opts.userPassword.length === 0) throw new HavreError('PASSWORD_REQUIRED');
  checkSecret(opts.secret);
  const wrap = newPasswordWrap(opts.kdf ?? 'default');
  const [userPair, derived] = await Promise.all([generateRsaKeyPair(), derivePasswordKeys(opts.userPassword, wrap)]);
  try {
    return { record: userKeyRecord(opts.repoId, opts.secret, userPair, wrap, derived.wrapKey), authKey: derived.authKey };
  } catch (e) {
    wipe(derived.authKey);
    throw e;
  } finally {
    wipe(userPair.privateKey, derived.wrapKey);
  }
}

export async function createEscrow(opts: { repoId: string; adminPublicKey: string; userPassword: string; kdf?: 'default' | 'test' }): Promise<{
  record: EscrowRecord;
  authKey: Buffer;
  postePrivateKey: Buffer;
  secret: Buffer;
}> {
  if (opts.userPassword.length === 0) throw new HavreError('PASSWORD_REQUIRED');
  const adminPub = fromB64(opts.adminPublicKey, 'appliance admin public key');
  const wrap = newPasswordWrap(opts.kdf ?? 'default');
  const [userPair, postePair, derived] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair(), derivePasswordKeys(opts.userPassword, wrap)]);
  const secret = randomBytes(SECRET_BYTES);
  try {
    const record: EscrowRecord = {
      repoId: opts.repoId,
      ...userKeyRecord(opts.repoId, secret, userPair, wrap, derived.wrapKey),
      postePublicKey: b64(postePair.publicKey),
      secretAdmin: b64(rsaWrap(adminPub, secret)),
      secretPoste: b64(rsaWrap(postePair.publicKey, secret)),
    };
    return { record, authKey: derived.authKey, postePrivateKey: postePair.privateKey, secret };
  } catch (e) {
    wipe(secret, postePair.privateKey, derived.authKey);
    throw e;
  } finally {
    wipe(userPair.privateKey, derived.wrapKey);
  }
}

/** POSTE_PRIV_AES = seal(BEEMO_AES, POSTE_PRIV, AAD bound to the repository and SECRET_POSTE). */
export function sealPosteKey(beemoAes: Buffer, postePrivateKey: Buffer, repoId: string, secretPoste: string): Buffer {
  if (beemoAes.length !== WRAP_KEY_BYTES) throw new HavreError('INTEGRITY', { what: 'appliance wrapping key' });
  return seal(beemoAes, postePrivateKey, privateKeyAad('poste', repoId, fromB64(secretPoste, 'SECRET_POSTE')));
}

/** Daily unlock: BEEMO_AES (from the appliance) opens POSTE_PRIV_AES (from the keychain), which opens SECRET_POSTE. */
export function unlockAsMachine(beemoAes: Buffer, posteSealed: Buffer, repoId: string, secretPoste: string): Buffer {
  const what = 'this machine’s key (keychain entry or appliance key)';
  if (beemoAes.length !== WRAP_KEY_BYTES) throw new HavreError('INTEGRITY', { what });
  const wrapped = fromB64(secretPoste, 'SECRET_POSTE');
  const priv = open(beemoAes, posteSealed, privateKeyAad('poste', repoId, wrapped), what);
  try {
    return checkSecret(rsaUnwrap(priv, wrapped));
  } finally {
    wipe(priv);
  }
}

/** Self-service restore: the wrap key derived from the user's password opens USER_PRIV_AES, then SECRET_USER. */
export function unlockAsUser(wrapKey: Buffer, keys: { repoId: string; secretUser: string; userPrivateKey: SealedKey }): Buffer {
  const wrapped = fromB64(keys.secretUser, 'SECRET_USER');
  const priv = openPasswordSealed(wrapKey, keys.userPrivateKey.sealed, privateKeyAad('user', keys.repoId, wrapped), 'user private key');
  try {
    return checkSecret(rsaUnwrap(priv, wrapped));
  } finally {
    wipe(priv);
  }
}

/** Admin restore, step 1: the wrap key derived from the admin password opens ADMIN_PRIV_AES. Caller wipes. */
export function openAdminPrivateKey(wrapKey: Buffer, keys: { applianceId: string; privateKey: SealedKey }): Buffer {
  return openPasswordSealed(wrapKey, keys.privateKey.sealed, adminAad(keys.applianceId), 'admin private key');
}

/** Admin restore, step 2: ADMIN_PRIV opens any machine's SECRET_ADMIN. */
export function unlockAsAdmin(adminPrivateKey: Buffer, secretAdmin: string): Buffer {
  return checkSecret(rsaUnwrap(adminPrivateKey, fromB64(secretAdmin, 'SECRET_ADMIN')));
}

/** Password change on the appliance side is a new USER_PRIV_AES: reseals USER_PRIV under a new password. */
export async function resealUserKey(oldWrapKey: Buffer, keys: { repoId: string; secretUser: string; userPrivateKey: SealedKey }, newPassword: string, kdf: 'default' | 'test' = 'default'): Promise<{
  userPrivateKey: SealedKey;
  authKey: Buffer;
}> {
  const wrapped = fromB64(keys.secretUser, 'SECRET_USER');
  const aad = privateKeyAad('user', keys.repoId, wrapped);
  const priv = openPasswordSealed(oldWrapKey, keys.userPrivateKey.sealed, aad, 'user private key');
  try {
    wipe(checkSecret(rsaUnwrap(priv, wrapped)));
    const wrap = newPasswordWrap(kdf);
    const derived = await derivePasswordKeys(newPassword, wrap);
    try {
      return { userPrivateKey: { wrap, sealed: b64(seal(derived.wrapKey, priv, aad)) }, authKey: derived.authKey };
    } finally {
      wipe(derived.wrapKey);
    }
  } finally {
    wipe(priv);
  }
}
