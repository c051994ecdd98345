// The appliance protocol (docs/PROTOCOL.md): the messages both sides exchange, their limits, and
// the strict parsers both sides use on what they receive. Pure data, no I/O: the client
// (engine/appliance) and the reference server (appliance/) import the same definitions.
import { createHash } from 'node:crypto';
import type { EscrowRecord, PasswordWrap } from '../crypto/index.js';
import { checkPasswordWrap, decodeBase64Strict, RSA_BITS, rsaPublicKeyBits } from '../crypto/index.js';
import { isHavreError } from '../errors/index.js';
import { OBJECT_KINDS, type ObjectKind } from '../store/index.js';

export const PROTOCOL_VERSION = 1;
export const API = '/v1';
/** How often a machine reports in (DESIGN.md §5). */
export const HEARTBEAT_SECONDS = 3 * 60 * 60;
/** Delay between a deletion request and its execution (DESIGN.md §4). */
export const DELETE_DELAY_MS = 14 * 24 * 60 * 60 * 1000;
export const MAX_JSON_BYTES = 256 * 1024;
/** Arrays and objects nested deeper than this are refused: no message needs it, and a recursive
 *  reader (canonicalJson, JSON.stringify) would overflow its stack on 100,000 levels. */
export const MAX_JSON_DEPTH = 64;
export const DEFAULT_MAX_OBJECT_BYTES = 64 * 1024 * 1024;
export const LIST_PAGE_MAX = 10_000;
/** Consecutive wrong passwords that lock an account. */
export const LOCKOUT_THRESHOLD = 5;
export const SESSION_TTL_MS = 60 * 60 * 1000;
export const MAX_EVENTS_PER_PUSH = 1000;
export const MAX_EVENT_DATA_BYTES = 16 * 1024;
export const MAX_REPORT_BYTES = 64 * 1024;
/** `prev` of a machine's first event. */
export const GENESIS_HASH = '0'.repeat(64);

// ---- errors on the wire --------------------------------------------------------------------

export type WireErrorCode =
  | 'BAD_REQUEST' | 'AUTH_REQUIRED' | 'CERT_UNTRUSTED' | 'CERT_UNKNOWN' | 'MACHINE_REVOKED' | 'SESSION_INVALID'
  | 'WRONG_PASSWORD' | 'LOCKED_OUT' | 'FORBIDDEN' | 'NOT_FOUND' | 'TOKEN_INVALID' | 'DIGEST_MISMATCH'
  | 'LENGTH_REQUIRED' | 'TOO_LARGE' | 'RANGE_INVALID' | 'QUOTA_EXCEEDED' | 'STORAGE_FULL' | 'UNAVAILABLE' | 'INTERNAL';

/** Every error response: `{ "error": { code, message, params? } }`. */
export interface WireError {
  readonly error: { readonly code: WireErrorCode; readonly message: string; readonly params?: Record<string, string | number> };
}

// ---- enrollment token ----------------------------------------------------------------------

/** `HVT1.<id: 16 hex>.<secret: 43 base64url>.<SHA-256 of the appliance CA certificate, DER: 64 hex>` */
export interface EnrollmentToken {
  readonly id: string;
  readonly secret: string;
  readonly caFingerprint: string;
}

const TOKEN = /^HVT1\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})\.([0-9a-f]{64})$/;

export function formatToken(t: EnrollmentToken): string {
  return `HVT1.${t.id}.${t.secret}.${t.caFingerprint}`;
}

/** null when the text is not a token (the caller says TOKEN_MALFORMED). Whitespace around is ignored. */
export function parseToken(text: string): EnrollmentToken | null {
  const m = TOKEN.exec(text.trim());
  return m ? { id: m[1]!, secret: m[2]!, caFingerprint: m[3]! } : null;
}

/** SHA-256 of a certificate's DER, lowercase hex: what tokens and home configs pin. */
export function certFingerprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

// ---- messages ------------------------------------------------------------------------------

/** GET /v1/info */
export interface InfoResponse {
  readonly protocol: number;
  readonly applianceId: string;
  readonly caFingerprint: string;
  readonly time: string;
}

/** GET /v1/admin-key: ADMIN_PUB, which the client wraps SECRET for at enrollment. */
export interface AdminKeyResponse {
  readonly applianceId: string;
  readonly publicKey: string;
}

/** What the appliance keeps for a machine (DESIGN.md §3): made by createEscrow on the workstation. */
export type EscrowKeys = EscrowRecord;

/** POST /v1/enroll */
export interface EnrollRequest {
  readonly token: string;
  /** PKCS#10, PEM; the private key never leaves the workstation. */
  readonly csr: string;
  readonly host: string;
  readonly user: string;
  readonly keys: EscrowKeys;
  /** b64 of the 32-byte auth key derived from the user's password; the appliance keeps a hash. */
  readonly authKey: string;
  /**
   * True for a silent enrollment (machine policy): the password behind `authKey` was random and
   * forgotten, so the machine may later set the user's first password without giving it (§5).
   */
  readonly passwordUnset?: boolean;
}

/** POST /v1/machine/password (mutual TLS): the user's restore password, set or changed (§5). */
export interface SetPasswordRequest {
  /** A fresh USER pair holding SECRET, its private key sealed under the new password. */
  readonly keys: { readonly userPublicKey: string; readonly secretUser: string; readonly userPrivateKey: { readonly wrap: PasswordWrap; readonly sealed: string } };
  readonly authKey: string;
  /** The auth key of the current password; required once a password was chosen. */
  readonly currentAuthKey?: string;
}

export interface SetPasswordResponse {
  readonly machineId: string;
  readonly passwordSet: true;
}

export interface EnrollResponse {
  readonly applianceId: string;
  readonly machineId: string;
  /** PEM, signed by the appliance CA, clientAuth. */
  readonly certificate: string;
  /** b64 of BEEMO_AES: the client seals POSTE_PRIV with it, then forgets it. */
  readonly beemoAes: string;
  readonly heartbeatSeconds: number;
}

/** GET /v1/machine/keys (mutual TLS): what daily unlock needs. */
export interface MachineKeysResponse {
  readonly machineId: string;
  readonly repoId: string;
  readonly host: string;
  readonly user: string;
  readonly beemoAes: string;
  readonly secretPoste: string;
  /** False after a silent enrollment until the user chooses a restore password (absent: older appliance, true). */
  readonly passwordSet?: boolean;
}

/** POST /v1/auth/params: the KDF parameters to derive the auth key with. */
export type AuthParamsRequest = { readonly role: 'user'; readonly user: string } | { readonly role: 'admin' };

export interface MachineSummary {
  readonly machineId: string;
  readonly host: string;
  readonly user: string;
  readonly enrolled: string;
  readonly lastSeen: string | null;
  readonly revoked: boolean;
}

export type AuthParamsResponse =
  | { readonly role: 'user'; readonly machines: readonly (MachineSummary & { readonly wrap: PasswordWrap })[] }
  | { readonly role: 'admin'; readonly wrap: PasswordWrap };

/** POST /v1/auth/login */
export type LoginRequest =
  | { readonly role: 'user'; readonly machineId: string; readonly authKey: string }
  | { readonly role: 'admin'; readonly authKey: string };

export interface UserKeys {
  readonly machineId: string;
  readonly repoId: string;
  readonly host: string;
  readonly user: string;
  readonly userPublicKey: string;
  readonly secretUser: string;
  readonly userPrivateKey: { readonly wrap: PasswordWrap; readonly sealed: string };
}

/** ADMIN_PRIV_AES and ADMIN_PUB. */
export interface AdminKeys {
  readonly applianceId: string;
  readonly publicKey: string;
  readonly privateKey: { readonly wrap: PasswordWrap; readonly sealed: string };
}

export type LoginResponse =
  | { readonly role: 'user'; readonly session: string; readonly expires: string; readonly keys: UserKeys }
  | { readonly role: 'admin'; readonly session: string; readonly expires: string; readonly keys: AdminKeys };

/** GET /v1/admin/machines/{id}/keys (admin session) */
export interface AdminMachineKeysResponse {
  readonly machineId: string;
  readonly repoId: string;
  readonly host: string;
  readonly user: string;
  readonly secretAdmin: string;
}

/** GET /v1/machines/{id}/objects/{kind}?after=&limit= */
export interface ListResponse {
  readonly objects: readonly { readonly name: string; readonly size: number }[];
  /** Present when there are more: pass it as `after`. */
  readonly next?: string;
}

/** DELETE /v1/machines/{id}/objects/{kind}/{name} → 202 */
export interface DeleteResponse {
  readonly applyAfter: string;
}

/** POST /v1/machine/heartbeat */
export interface HeartbeatRequest {
  readonly status: Record<string, unknown>;
  readonly config: Record<string, unknown>;
}

export interface HeartbeatResponse {
  readonly time: string;
  readonly nextSeconds: number;
}

/** One audit event of a machine's hash chain (docs/PROTOCOL.md §Events). */
export interface ChainedEvent {
  readonly seq: number;
  readonly time: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly prev: string;
  readonly hash: string;
}

/** POST /v1/machine/events */
export interface EventsRequest {
  readonly events: readonly ChainedEvent[];
}

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export interface EventsResponse {
  readonly accepted: number;
  readonly duplicates: number;
  readonly chainOk: boolean;
  readonly head: ChainHead;
}

/** POST /v1/machine/renew */
export interface RenewRequest {
  readonly csr: string;
}

export interface RenewResponse {
  readonly certificate: string;
}

export function isObjectKind(s: string): s is ObjectKind {
  return (OBJECT_KINDS as readonly string[]).includes(s);
}

// ---- event hash chain ----------------------------------------------------------------------

/** How deeply arrays and objects nest in a JSON text (brackets inside strings do not count). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** JSON with object keys sorted at every level: one text per value, whoever serialises it. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** hash = SHA-256("havre-event/v1\n" seq "\n" time "\n" type "\n" canonicalJson(data) "\n" prev), hex. */
export function eventHash(e: Omit<ChainedEvent, 'hash'>): string {
  return createHash('sha256').update(`havre-event/v1\n${e.seq}\n${e.time}\n${e.type}\n${canonicalJson(e.data)}\n${e.prev}`, 'utf8').digest('hex');
}

/** Chains new events after `head` (the client's side of the protocol). */
export function chainEvents(head: ChainHead, events: readonly { time: string; type: string; data: Record<string, unknown> }[]): ChainedEvent[] {
  const out: ChainedEvent[] = [];
  let { seq, hash } = head;
  for (const e of events) {
    seq += 1;
    const body = { seq, time: e.time, type: e.type, data: e.data, prev: hash };
    hash = eventHash(body);
    out.push({ ...body, hash });
  }
  return out;
}

// ---- strict parsing ------------------------------------------------------------------------

/** A message that does not follow this file; the server answers 400 BAD_REQUEST with the reason. */
export class ProtocolViolation extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ProtocolViolation';
  }
}

type Obj = Record<string, unknown>;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

export function object(v: unknown, where: string, required: readonly string[], optional: readonly string[] = []): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolViolation(`${where} is not an object`);
  const o = v as Obj;
  for (const m of required) if (o[m] === undefined) throw new ProtocolViolation(`${where}.${m} is missing`);
  for (const k of Object.keys(o)) if (!required.includes(k) && !optional.includes(k)) throw new ProtocolViolation(`${where}.${k} is not expected`);
  return o;
}

/** A display name (host, user): 1–256 characters, no control characters. */
export function label(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 256 || CONTROL.test(v)) throw new ProtocolViolation(`${where} is not a valid name`);
  return v;
}

export function hexId(v: unknown, where: string): string {
  if (typeof v !== 'string' || !HEX32.test(v)) throw new ProtocolViolation(`${where} is not 32 hex characters`);
  return v;
}

export function hash64(v: unknown, where: string): string {
  if (typeof v !== 'string' || !HEX64.test(v)) throw new ProtocolViolation(`${where} is not 64 hex characters`);
  return v;
}

export function isoTime(v: unknown, where: string): string {
  if (typeof v !== 'string' || !ISO_8601.test(v) || !Number.isFinite(Date.parse(v))) throw new ProtocolViolation(`${where} is not an ISO 8601 time`);
  return v;
}

/** Canonical base64 of exactly `bytes` bytes (or at least `min` when bytes is null). */
export function b64(v: unknown, where: string, bytes: number | null, min = 1, max = 64 * 1024): string {
  const buf = typeof v === 'string' ? decodeBase64Strict(v) : null;
  if (buf === null) throw new ProtocolViolation(`${where} is not valid base64`);
  if (bytes !== null ? buf.length !== bytes : buf.length < min || buf.length > max) throw new ProtocolViolation(`${where} has the wrong length`);
  return v as string;
}

export function rsaPublicKey(v: unknown, where: string): string {
  const s = b64(v, where, null, 64, 4096);
  const bits = rsaPublicKeyBits(Buffer.from(s, 'base64'));
  if (bits === null || bits < RSA_BITS) throw new ProtocolViolation(`${where} is not an RSA-3072 public key`);
  return s;
}

function wrappedSecret(v: unknown, where: string, publicKey: string): string {
  const bits = rsaPublicKeyBits(Buffer.from(publicKey, 'base64')) ?? RSA_BITS;
  return b64(v, where, Math.ceil(bits / 8));
}

/** A scrypt wrap as checkPasswordWrap accepts it, as a ProtocolViolation otherwise; a clean copy. */
export function passwordWrap(v: unknown, where: string): PasswordWrap {
  try {
    checkPasswordWrap(v, where);
  } catch (e) {
    if (isHavreError(e)) throw new ProtocolViolation(String(e.params.reason ?? e.message));
    throw e;
  }
  const { N, r, p, salt } = v as PasswordWrap;
  return { alg: 'scrypt', N, r, p, salt };
}

export function sealedPrivateKey(v: unknown, where: string): { wrap: PasswordWrap; sealed: string } {
  const o = object(v, where, ['wrap', 'sealed']);
  return { wrap: passwordWrap(o.wrap, `${where}.wrap`), sealed: b64(o.sealed, `${where}.sealed`, null, 29, 8192) };
}

export function pem(v: unknown, where: string, type: 'CERTIFICATE' | 'CERTIFICATE REQUEST'): string {
  if (typeof v !== 'string' || v.length > 16 * 1024 || !v.includes(`-----BEGIN ${type}-----`) || !v.includes(`-----END ${type}-----`)) {
    throw new ProtocolViolation(`${where} is not a PEM ${type.toLowerCase()}`);
  }
  return v;
}

export function parseEscrowKeys(v: unknown, where = 'keys'): EscrowKeys {
  const o = object(v, where, ['repoId', 'userPublicKey', 'postePublicKey', 'secretAdmin', 'secretUser', 'secretPoste', 'userPrivateKey']);
  const userPublicKey = rsaPublicKey(o.userPublicKey, `${where}.userPublicKey`);
  const postePublicKey = rsaPublicKey(o.postePublicKey, `${where}.postePublicKey`);
  return {
    repoId: hexId(o.repoId, `${where}.repoId`),
    userPublicKey,
    postePublicKey,
    secretAdmin: b64(o.secretAdmin, `${where}.secretAdmin`, null, 256, 1024),
    secretUser: wrappedSecret(o.secretUser, `${where}.secretUser`, userPublicKey),
    secretPoste: wrappedSecret(o.secretPoste, `${where}.secretPoste`, postePublicKey),
    userPrivateKey: sealedPrivateKey(o.userPrivateKey, `${where}.userPrivateKey`),
  };
}

export function parseEnrollRequest(v: unknown): EnrollRequest {
  const o = object(v, 'enroll', ['token', 'csr', 'host', 'user', 'keys', 'authKey'], ['passwordUnset']);
  if (o.passwordUnset !== undefined && typeof o.passwordUnset !== 'boolean') throw new ProtocolViolation('enroll.passwordUnset is not a boolean');
  if (typeof o.token !== 'string' || o.token.length > 200) throw new ProtocolViolation('enroll.token is not a string');
  return {
    token: o.token,
    csr: pem(o.csr, 'enroll.csr', 'CERTIFICATE REQUEST'),
    host: label(o.host, 'enroll.host'),
    user: label(o.user, 'enroll.user'),
    keys: parseEscrowKeys(o.keys, 'enroll.keys'),
    authKey: b64(o.authKey, 'enroll.authKey', 32),
    ...(o.passwordUnset === true ? { passwordUnset: true } : {}),
  };
}

export function parseSetPasswordRequest(v: unknown): SetPasswordRequest {
  const o = object(v, 'password', ['keys', 'authKey'], ['currentAuthKey']);
  const k = object(o.keys, 'password.keys', ['userPublicKey', 'secretUser', 'userPrivateKey']);
  const userPublicKey = rsaPublicKey(k.userPublicKey, 'password.keys.userPublicKey');
  return {
    keys: { userPublicKey, secretUser: wrappedSecret(k.secretUser, 'password.keys.secretUser', userPublicKey), userPrivateKey: sealedPrivateKey(k.userPrivateKey, 'password.keys.userPrivateKey') },
    authKey: b64(o.authKey, 'password.authKey', 32),
    ...(o.currentAuthKey !== undefined ? { currentAuthKey: b64(o.currentAuthKey, 'password.currentAuthKey', 32) } : {}),
  };
}

export function parseAuthParamsRequest(v: unknown): AuthParamsRequest {
  const o = object(v, 'params', ['role'], ['user']);
  if (o.role === 'admin') return { role: 'admin' };
  if (o.role === 'user') return { role: 'user', user: label(o.user, 'params.user') };
  throw new ProtocolViolation('params.role must be "user" or "admin"');
}

export function parseLoginRequest(v: unknown): LoginRequest {
  const o = object(v, 'login', ['role', 'authKey'], ['machineId']);
  const authKey = b64(o.authKey, 'login.authKey', 32);
  if (o.role === 'admin') return { role: 'admin', authKey };
  if (o.role === 'user') return { role: 'user', machineId: hexId(o.machineId, 'login.machineId'), authKey };
  throw new ProtocolViolation('login.role must be "user" or "admin"');
}

function report(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolViolation(`${where} is not an object`);
  if (Buffer.byteLength(JSON.stringify(v), 'utf8') > MAX_REPORT_BYTES) throw new ProtocolViolation(`${where} is larger than ${MAX_REPORT_BYTES} bytes`);
  return v as Record<string, unknown>;
}

export function parseHeartbeatRequest(v: unknown): HeartbeatRequest {
  const o = object(v, 'heartbeat', ['status', 'config']);
  return { status: report(o.status, 'heartbeat.status'), config: report(o.config, 'heartbeat.config') };
}

export function parseChainedEvent(v: unknown, where: string): ChainedEvent {
  const o = object(v, where, ['seq', 'time', 'type', 'data', 'prev', 'hash']);
  if (typeof o.seq !== 'number' || !Number.isSafeInteger(o.seq) || o.seq < 1) throw new ProtocolViolation(`${where}.seq is not a positive integer`);
  if (typeof o.type !== 'string' || !/^[a-z][a-z0-9_.-]{0,63}$/.test(o.type)) throw new ProtocolViolation(`${where}.type is not a valid event type`);
  if (typeof o.data !== 'object' || o.data === null || Array.isArray(o.data)) throw new ProtocolViolation(`${where}.data is not an object`);
  if (Buffer.byteLength(canonicalJson(o.data), 'utf8') > MAX_EVENT_DATA_BYTES) throw new ProtocolViolation(`${where}.data is too large`);
  return {
    seq: o.seq,
    time: isoTime(o.time, `${where}.time`),
    type: o.type,
    data: o.data as Record<string, unknown>,
    prev: hash64(o.prev, `${where}.prev`),
    hash: hash64(o.hash, `${where}.hash`),
  };
}

export function parseEventsRequest(v: unknown): EventsRequest {
  const o = object(v, 'events', ['events']);
  if (!Array.isArray(o.events) || o.events.length > MAX_EVENTS_PER_PUSH) throw new ProtocolViolation(`events.events must be an array of at most ${MAX_EVENTS_PER_PUSH}`);
  return { events: o.events.map((e, i) => parseChainedEvent(e, `events.events[${i}]`)) };
}

export function parseRenewRequest(v: unknown): RenewRequest {
  const o = object(v, 'renew', ['csr']);
  return { csr: pem(o.csr, 'renew.csr', 'CERTIFICATE REQUEST') };
}
