// Strict parsing of what the appliance answers (PROTOCOL.md §3–7). A hostile or broken server must
// get a clear APPLIANCE_ERROR out of the client, never a TypeError deep in the engine: every member
// the client reads is checked here for type, format and size. Members the client does not know are
// ignored (a newer appliance may add some); the server's own strict parsers refuse them instead.
import { isObjectName } from '../store/index.js';
import {
  passwordWrap,
  b64,
  hash64,
  hexId,
  isoTime,
  label,
  LIST_PAGE_MAX,
  pem,
  ProtocolViolation,
  rsaPublicKey,
  sealedPrivateKey,
  type AdminKeyResponse,
  type AdminKeys,
  type AdminMachineKeysResponse,
  type AuthParamsResponse,
  type ChainHead,
  type DeleteResponse,
  type EnrollResponse,
  type EventsResponse,
  type HeartbeatResponse,
  type InfoResponse,
  type ListResponse,
  type LoginResponse,
  type MachineKeysResponse,
  type MachineSummary,
  type RenewResponse,
  type SetPasswordResponse,
  type UserKeys,
  type WireErrorCode,
} from './protocol.js';

type Obj = Record<string, unknown>;

/** An object with at least the `required` members; extra members are allowed and ignored. */
function members(v: unknown, where: string, required: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolViolation(`${where} is not an object`);
  const o = v as Obj;
  for (const m of required) if (o[m] === undefined) throw new ProtocolViolation(`${where}.${m} is missing`);
  return o;
}

function int(v: unknown, where: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw new ProtocolViolation(`${where} is not a whole number in range`);
  return v;
}

function bool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') throw new ProtocolViolation(`${where} is not a boolean`);
  return v;
}

/** A 32-byte key in base64 (BEEMO_AES). */
function key32(v: unknown, where: string): string {
  return b64(v, where, 32);
}

/** An RSA-OAEP-wrapped SECRET (RSA-3072 to 4096: 384 to 512 bytes). */
function wrapped(v: unknown, where: string): string {
  return b64(v, where, null, 384, 512);
}

function session(v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(v)) throw new ProtocolViolation(`${where} is not a session token`);
  return v;
}

export function parseInfo(v: unknown): InfoResponse {
  const o = members(v, 'info', ['protocol', 'applianceId', 'caFingerprint', 'time']);
  return { protocol: int(o.protocol, 'info.protocol', 1, 1_000_000), applianceId: hexId(o.applianceId, 'info.applianceId'),
    caFingerprint: hash64(o.caFingerprint, 'info.caFingerprint'), time: isoTime(o.time, 'info.time') };
}

export function parseAdminKey(v: unknown): AdminKeyResponse {
  const o = members(v, 'adminKey', ['applianceId', 'publicKey']);
  return { applianceId: hexId(o.applianceId, 'adminKey.applianceId'), publicKey: rsaPublicKey(o.publicKey, 'adminKey.publicKey') };
}

export function parseEnrollResponse(v: unknown): EnrollResponse {
  const o = members(v, 'enroll', ['applianceId', 'machineId', 'certificate', 'beemoAes', 'heartbeatSeconds']);
  return { applianceId: hexId(o.applianceId, 'enroll.applianceId'), machineId: hexId(o.machineId, 'enroll.machineId'),
    certificate: pem(o.certificate, 'enroll.certificate', 'CERTIFICATE'), beemoAes: key32(o.beemoAes, 'enroll.beemoAes'),
    heartbeatSeconds: int(o.heartbeatSeconds, 'enroll.heartbeatSeconds', 1) };
}

export function parseMachineKeys(v: unknown): MachineKeysResponse {
  const o = members(v, 'machineKeys', ['machineId', 'repoId', 'host', 'user', 'beemoAes', 'secretPoste']);
  return { machineId: hexId(o.machineId, 'machineKeys.machineId'), repoId: hexId(o.repoId, 'machineKeys.repoId'), host: label(o.host, 'machineKeys.host'),
    user: label(o.user, 'machineKeys.user'), beemoAes: key32(o.beemoAes, 'machineKeys.beemoAes'), secretPoste: wrapped(o.secretPoste, 'machineKeys.secretPoste'),
    ...(o.passwordSet !== undefined ? { passwordSet: bool(o.passwordSet, 'machineKeys.passwordSet') } : {}) };
}

export function parseSetPassword(v: unknown): SetPasswordResponse {
  const o = members(v, 'password', ['machineId', 'passwordSet']);
  if (o.passwordSet !== true) throw new ProtocolViolation('password.passwordSet is not true');
  return { machineId: hexId(o.machineId, 'password.machineId'), passwordSet: true };
}

export function parseMachineSummary(v: unknown, where: string): MachineSummary {
  const o = members(v, where, ['machineId', 'host', 'user', 'enrolled', 'revoked']);
  return { machineId: hexId(o.machineId, `${where}.machineId`), host: label(o.host, `${where}.host`), user: label(o.user, `${where}.user`),
    enrolled: isoTime(o.enrolled, `${where}.enrolled`), lastSeen: o.lastSeen === null || o.lastSeen === undefined ? null : isoTime(o.lastSeen, `${where}.lastSeen`),
    revoked: bool(o.revoked, `${where}.revoked`) };
}

function array(v: unknown, where: string, max: number): unknown[] {
  if (!Array.isArray(v) || v.length > max) throw new ProtocolViolation(`${where} is not an array of at most ${max}`);
  return v;
}

export function parseAuthParams(v: unknown, role: 'user' | 'admin'): AuthParamsResponse {
  const o = members(v, 'authParams', ['role']);
  if (o.role !== role) throw new ProtocolViolation(`authParams.role is not "${role}"`);
  if (role === 'admin') return { role, wrap: passwordWrap(o.wrap, 'authParams.wrap') };
  const machines = array(o.machines, 'authParams.machines', 10_000).map((m, i) => {
    const where = `authParams.machines[${i}]`;
    return { ...parseMachineSummary(m, where), wrap: passwordWrap(members(m, where, ['wrap']).wrap, `${where}.wrap`) };
  });
  return { role, machines };
}

function userKeys(v: unknown): UserKeys {
  const o = members(v, 'login.keys', ['machineId', 'repoId', 'host', 'user', 'userPublicKey', 'secretUser', 'userPrivateKey']);
  return { machineId: hexId(o.machineId, 'login.keys.machineId'), repoId: hexId(o.repoId, 'login.keys.repoId'), host: label(o.host, 'login.keys.host'),
    user: label(o.user, 'login.keys.user'), userPublicKey: rsaPublicKey(o.userPublicKey, 'login.keys.userPublicKey'),
    secretUser: wrapped(o.secretUser, 'login.keys.secretUser'), userPrivateKey: sealedPrivateKey(o.userPrivateKey, 'login.keys.userPrivateKey') };
}

function adminKeys(v: unknown): AdminKeys {
  const o = members(v, 'login.keys', ['applianceId', 'publicKey', 'privateKey']);
  return { applianceId: hexId(o.applianceId, 'login.keys.applianceId'), publicKey: rsaPublicKey(o.publicKey, 'login.keys.publicKey'),
    privateKey: sealedPrivateKey(o.privateKey, 'login.keys.privateKey') };
}

export function parseLogin(v: unknown, role: 'user' | 'admin'): LoginResponse {
  const o = members(v, 'login', ['role', 'session', 'expires', 'keys']);
  if (o.role !== role) throw new ProtocolViolation(`login.role is not "${role}"`);
  const s = session(o.session, 'login.session');
  const expires = isoTime(o.expires, 'login.expires');
  return role === 'user' ? { role, session: s, expires, keys: userKeys(o.keys) } : { role, session: s, expires, keys: adminKeys(o.keys) };
}

export function parseMachineList(v: unknown): MachineSummary[] {
  const o = members(v, 'machines', ['machines']);
  return array(o.machines, 'machines.machines', 100_000).map((m, i) => parseMachineSummary(m, `machines.machines[${i}]`));
}

export function parseAdminMachineKeys(v: unknown): AdminMachineKeysResponse {
  const o = members(v, 'adminMachineKeys', ['machineId', 'repoId', 'host', 'user', 'secretAdmin']);
  return { machineId: hexId(o.machineId, 'adminMachineKeys.machineId'), repoId: hexId(o.repoId, 'adminMachineKeys.repoId'),
    host: label(o.host, 'adminMachineKeys.host'), user: label(o.user, 'adminMachineKeys.user'), secretAdmin: wrapped(o.secretAdmin, 'adminMachineKeys.secretAdmin') };
}

/** One page of a listing; names are object names and strictly increasing, `next` moves forward. */
export function parseListPage(v: unknown, after: string | undefined): ListResponse {
  const o = members(v, 'list', ['objects']);
  let prev = after ?? '';
  const objects = array(o.objects, 'list.objects', LIST_PAGE_MAX).map((e, i) => {
    const m = members(e, `list.objects[${i}]`, ['name', 'size']);
    if (typeof m.name !== 'string' || !isObjectName(m.name)) throw new ProtocolViolation(`list.objects[${i}].name is not an object name`);
    if (m.name <= prev) throw new ProtocolViolation('list.objects is not in increasing name order');
    prev = m.name;
    return { name: m.name, size: int(m.size, `list.objects[${i}].size`) };
  });
  if (o.next === undefined || o.next === null) return { objects };
  if (typeof o.next !== 'string' || !isObjectName(o.next) || o.next < prev || (after !== undefined && o.next <= after)) {
    throw new ProtocolViolation('list.next does not move forward');
  }
  return { objects, next: o.next };
}

export function parseDelete(v: unknown): DeleteResponse {
  const o = members(v, 'delete', ['applyAfter']);
  return { applyAfter: isoTime(o.applyAfter, 'delete.applyAfter') };
}

export function parseHeartbeat(v: unknown): HeartbeatResponse {
  const o = members(v, 'heartbeat', ['time', 'nextSeconds']);
  return { time: isoTime(o.time, 'heartbeat.time'), nextSeconds: int(o.nextSeconds, 'heartbeat.nextSeconds', 1) };
}

export function parseChainHead(v: unknown, where = 'head'): ChainHead {
  const o = members(v, where, ['seq', 'hash']);
  return { seq: int(o.seq, `${where}.seq`), hash: hash64(o.hash, `${where}.hash`) };
}

export function parseEventsResponse(v: unknown): EventsResponse {
  const o = members(v, 'events', ['accepted', 'duplicates', 'chainOk', 'head']);
  return { accepted: int(o.accepted, 'events.accepted'), duplicates: int(o.duplicates, 'events.duplicates'), chainOk: bool(o.chainOk, 'events.chainOk'),
    head: parseChainHead(o.head, 'events.head') };
}

export function parseRenew(v: unknown): RenewResponse {
  const o = members(v, 'renew', ['certificate']);
  return { certificate: pem(o.certificate, 'renew.certificate', 'CERTIFICATE') };
}

const WIRE_CODES: ReadonlySet<string> = new Set<WireErrorCode>([
  'BAD_REQUEST', 'AUTH_REQUIRED', 'CERT_UNTRUSTED', 'CERT_UNKNOWN', 'MACHINE_REVOKED', 'SESSION_INVALID', 'WRONG_PASSWORD', 'LOCKED_OUT', 'FORBIDDEN',
  'NOT_FOUND', 'TOKEN_INVALID', 'DIGEST_MISMATCH', 'LENGTH_REQUIRED', 'TOO_LARGE', 'RANGE_INVALID', 'QUOTA_EXCEEDED', 'STORAGE_FULL', 'UNAVAILABLE', 'INTERNAL',
]);

/** What the client keeps of an error body: a known code, and params as short printable values. */
export interface WireErrorInfo {
  readonly code: WireErrorCode | null;
  readonly message: string;
  readonly params: Record<string, string | number>;
}

/** Lenient on purpose: an error body that does not parse still yields an error, with no code. */
export function parseWireError(body: unknown): WireErrorInfo {
  if (typeof body !== 'object' || body === null) return { code: null, message: '', params: {} };
  const e = (body as Obj).error;
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return { code: null, message: '', params: {} };
  const { code, message, params } = e as Obj;
  const out: Record<string, string | number> = {};
  if (typeof params === 'object' && params !== null && !Array.isArray(params)) {
    for (const [k, v] of Object.entries(params as Obj).slice(0, 16)) {
      if (!/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(k)) continue;
      if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
      else if (typeof v === 'string') out[k] = printable(v);
    }
  }
  return { code: typeof code === 'string' && WIRE_CODES.has(code) ? (code as WireErrorCode) : null,
    message: typeof message === 'string' ? printable(message) : '', params: out };
}

/** Server text shown to a user: no control characters, bounded. */
export function printable(s: string, max = 200): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  const clean = s.replace(/[\u0000-\u001f\u007f\u0080-\u009f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
