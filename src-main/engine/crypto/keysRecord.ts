// The `keys` object of a standalone repository (FORMAT.md §3): its JSON shape and a strict parser.
// The record is read from storage before anything is authenticated, so every member is checked
// for shape and size before any key material is used.
import { createHash } from 'node:crypto';
import { HavreError } from '../errors/index.js';
import { SEAL_OVERHEAD } from './aead.js';
import { decodeBase64Strict } from './base64.js';
import { checkPasswordWrap, type PasswordWrap } from './password.js';
import { RSA_BITS, rsaPublicKeyBits } from './rsa.js';

export const KEYS_FORMAT = 'havre-keys';
export const KEYS_VERSION = 1;

export type KeyRole = 'admin' | 'user' | 'poste';

/** POSTE's private key is sealed with the local authority key kept in the OS keychain. */
export interface LocalAuthorityWrap {
  alg: 'local-authority';
  /** keychain account (service 'havre') holding the LAK */
  keyRef: string;
}

export interface SealedPrivateKey<W> {
  wrap: W;
  /** b64 of seal(wrapKey, PKCS8(priv), UTF8("havre/v1/key/" + role + "/" + repoId)) */
  sealed: string;
}

export interface RoleKeys<W> {
  /** b64 SPKI DER */
  publicKey: string;
  /** b64 RSA-OAEP(publicKey, SECRET) */
  secret: string;
  privateKey: SealedPrivateKey<W>;
}

export interface KeysRecord {
  format: typeof KEYS_FORMAT;
  version: typeof KEYS_VERSION;
  /** 32 lowercase hex */
  repoId: string;
  /** ISO 8601 */
  created: string;
  admin: RoleKeys<PasswordWrap>;
  user: { name: string } & RoleKeys<PasswordWrap>;
  poste: { host: string } & RoleKeys<LocalAuthorityWrap>;
}

/**
 * AAD of a sealed private key: binds it to its role, its repository and the SECRET wrapped for it,
 * so records cannot be swapped, and a forged record cannot pair a genuine sealed key with a SECRET
 * of the forger's choosing (FORMAT.md §3).
 */
export function privateKeyAad(role: KeyRole, repoId: string, wrappedSecret: Buffer): Buffer {
  const bound = createHash('sha256').update(wrappedSecret).digest('hex');
  return Buffer.from(`havre/v1/key/${role}/${repoId}/${bound}`, 'utf8');
}

const REPO_ID = /^[0-9a-f]{32}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

function invalid(reason: string): HavreError {
  return new HavreError('REPO_CONFIG_INVALID', { reason: `keys record: ${reason}` });
}

type Obj = Record<string, unknown>;

function object(v: unknown, where: string, members: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${where} is not an object`);
  const o = v as Obj;
  for (const m of members) if (!(m in o)) throw invalid(`${where}.${m} is missing`);
  for (const k of Object.keys(o)) if (!members.includes(k)) throw invalid(`${where} has an unexpected member`);
  return o;
}

function label(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 256 || CONTROL.test(v)) throw invalid(`${where} is not a valid name`);
  return v;
}

function base64(v: unknown, where: string): Buffer {
  const buf = typeof v === 'string' ? decodeBase64Strict(v) : null;
  if (buf === null) throw invalid(`${where} is not valid base64`);
  return buf;
}

function roleKeys<W>(o: Obj, where: string, wrap: (w: unknown) => W): RoleKeys<W> {
  const pub = base64(o.publicKey, `${where}.publicKey`);
  const bits = rsaPublicKeyBits(pub);
  if (bits === null || bits < RSA_BITS) throw invalid(`${where}.publicKey is not an RSA-3072 public key`);
  // An OAEP output is exactly as long as the modulus.
  if (base64(o.secret, `${where}.secret`).length !== Math.ceil(bits / 8)) throw invalid(`${where}.secret has the wrong length`);
  const pk = object(o.privateKey, `${where}.privateKey`, ['wrap', 'sealed']);
  if (base64(pk.sealed, `${where}.privateKey.sealed`).length <= SEAL_OVERHEAD) throw invalid(`${where}.privateKey.sealed is too short`);
  return {
    publicKey: o.publicKey as string,
    secret: o.secret as string,
    privateKey: { wrap: wrap(pk.wrap), sealed: pk.sealed as string },
  };
}

function passwordWrap(where: string): (w: unknown) => PasswordWrap {
  return (w) => {
    checkPasswordWrap(w, `keys record: ${where}`);
    const { N, r, p, salt } = w as PasswordWrap;
    return { alg: 'scrypt', N, r, p, salt };
  };
}

function localAuthorityWrap(w: unknown): LocalAuthorityWrap {
  const o = object(w, 'poste.privateKey.wrap', ['alg', 'keyRef']);
  if (o.alg !== 'local-authority') throw invalid('poste.privateKey.wrap has an unknown algorithm');
  return { alg: 'local-authority', keyRef: label(o.keyRef, 'poste.privateKey.wrap.keyRef') };
}

/**
 * Validates parsed JSON as a keys record and returns a clean copy. A newer version throws
 * UNSUPPORTED_VERSION; anything else malformed throws REPO_CONFIG_INVALID with a reason.
 */
export function parseKeysRecord(json: unknown): KeysRecord {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('not a JSON object');
  const top = json as Obj;
  if (top.format !== KEYS_FORMAT) throw invalid('not a keys record');
  // Version before shape: a future version may have another shape and must say "update Havre".
  const version = top.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) throw invalid('bad version');
  if (version !== KEYS_VERSION) throw new HavreError('UNSUPPORTED_VERSION', { version });
  object(top, 'record', ['format', 'version', 'repoId', 'created', 'admin', 'user', 'poste']);
  if (typeof top.repoId !== 'string' || !REPO_ID.test(top.repoId)) throw invalid('repoId is not 32 hex characters');
  if (typeof top.created !== 'string' || !ISO_8601.test(top.created) || !Number.isFinite(Date.parse(top.created))) {
    throw invalid('created is not an ISO 8601 time');
  }
  const admin = object(top.admin, 'admin', ['publicKey', 'secret', 'privateKey']);
  const user = object(top.user, 'user', ['name', 'publicKey', 'secret', 'privateKey']);
  const poste = object(top.poste, 'poste', ['host', 'publicKey', 'secret', 'privateKey']);
  return {
    format: KEYS_FORMAT,
    version: KEYS_VERSION,
    repoId: top.repoId,
    created: top.created,
    admin: roleKeys(admin, 'admin', passwordWrap('admin.privateKey.wrap')),
    user: { name: label(user.name, 'user.name'), ...roleKeys(user, 'user', passwordWrap('user.privateKey.wrap')) },
    poste: { host: label(poste.host, 'poste.host'), ...roleKeys(poste, 'poste', localAuthorityWrap) },
  };
}
