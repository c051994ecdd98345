// Password → wrapping key and auth key (FORMAT.md §3). scrypt, because Node 20 ships no Argon2 and
// Havre uses no native crypto dependency; N=2^17, r=8, p=1 costs 128 MiB and a few hundred ms, the
// DESIGN.md §3 level (OWASP's scrypt floor is N=2^17, r=8, p=1).
import { randomBytes, scrypt } from 'node:crypto';
import { HavreError } from '../errors/index.js';
import { decodeBase64Strict } from './base64.js';

export interface PasswordWrap {
  alg: 'scrypt';
  N: number;
  r: number;
  p: number;
  /** base64 of 16 random bytes */
  salt: string;
}

const MEMBERS = ['alg', 'N', 'r', 'p', 'salt'] as const;
const SALT_BYTES = 16;
const DEFAULT_N = 2 ** 17;
/** Only for the test suite: 32× cheaper so the authority tests run in seconds. Never for users. */
const TEST_N = 2 ** 12;
const MIN_N = 2 ** 12;
const MAX_N = 2 ** 22;
// Bounds a hostile keys record could otherwise use to exhaust memory or CPU at unlock.
const MAX_MEMORY = 1024 * 1024 * 1024; // 128·N·r
const MIN_MEMORY = 128 * MIN_N * 8; // the 'test' level: nothing weaker is accepted
const MAX_WORK = 2 ** 27; // N·r·p, 128× the default

/**
 * A fresh wrap with a random salt. 'test' (N=2^12) exists only to keep the test suite fast; it is
 * the weakest level derivePasswordKeys accepts.
 */
export function newPasswordWrap(strength: 'default' | 'test' = 'default'): PasswordWrap {
  return { alg: 'scrypt', N: strength === 'test' ? TEST_N : DEFAULT_N, r: 8, p: 1, salt: randomBytes(SALT_BYTES).toString('base64') };
}

function invalid(reason: string): HavreError {
  return new HavreError('REPO_CONFIG_INVALID', { reason });
}

function isPow2(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n; // not n & (n-1): 32-bit only
}

/** Refuses unknown algorithms and parameters that are too weak or absurd; returns the decoded salt. */
export function checkPasswordWrap(wrap: unknown, where = 'password wrap'): Buffer {
  if (typeof wrap !== 'object' || wrap === null) throw invalid(`${where} is missing`);
  const w = wrap as Record<string, unknown>;
  if (w.alg !== 'scrypt') throw invalid(`${where}: unknown key derivation`);
  for (const m of MEMBERS) if (!(m in w)) throw invalid(`${where}.${m} is missing`);
  if (Object.keys(w).length !== MEMBERS.length) throw invalid(`${where}: unexpected members`);
  const { N, r, p, salt } = w;
  if (typeof N !== 'number' || typeof r !== 'number' || typeof p !== 'number') throw invalid(`${where}: parameters must be numbers`);
  if (!isPow2(N) || !Number.isSafeInteger(r) || !Number.isSafeInteger(p) || r < 1 || p < 1 || r > 32 || p > 16) {
    throw invalid(`${where}: malformed scrypt parameters`);
  }
  if (N < MIN_N || 128 * N * r < MIN_MEMORY) throw invalid(`${where}: scrypt parameters too weak`);
  if (N > MAX_N || 128 * N * r > MAX_MEMORY || N * r * p > MAX_WORK) throw invalid(`${where}: scrypt parameters out of range`);
  const saltBytes = typeof salt === 'string' ? decodeBase64Strict(salt) : null;
  if (saltBytes === null || saltBytes.length !== SALT_BYTES) throw invalid(`${where}: salt must be 16 bytes of base64`);
  return saltBytes;
}

function scryptAsync(password: Buffer, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  // OpenSSL needs 128·r·(N + 2) for V plus 128·r·p for B; Node's default cap (32 MiB) is too low.
  const maxmem = 128 * r * (N + 2 + p) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 64, { N, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * scrypt(NFC(password), salt, N, r, p, 64): the first 32 bytes wrap private keys, the last 32 are
 * the auth key of the appliance protocol. Runs on the libuv pool, so the event loop stays free.
 */
export function derivePasswordKeys(password: string, wrap: PasswordWrap): Promise<{ wrapKey: Buffer; authKey: Buffer }> {
  return takeEarly(password, wrap) ?? derive(password, wrap);
}

interface EarlyDerivation {
  readonly password: string;
  readonly wrap: PasswordWrap;
  readonly keys: Promise<{ wrapKey: Buffer; authKey: Buffer }>;
}
let early: EarlyDerivation | null = null;
/** An early derivation nobody took is wiped after this long (the command failed before its unlock). */
const EARLY_TTL_MS = 60_000;

/**
 * Starts the derivation `derivePasswordKeys` will be asked for, before its caller gets there: the
 * CLI starts the scrypt (about 0.5 s on the libuv pool) while its command's modules load. The
 * first matching call takes the result, and owns it (it wipes it); anything else derives afresh.
 */
export function deriveEarly(password: string, wrap: PasswordWrap): void {
  if (early) return;
  const keys = derive(password, wrap);
  const mine: EarlyDerivation = { password, wrap: { ...wrap }, keys };
  early = mine;
  keys.catch(() => undefined);
  setTimeout(() => {
    if (early !== mine) return;
    early = null;
    keys.then((k) => (k.wrapKey.fill(0), k.authKey.fill(0)), () => undefined);
  }, EARLY_TTL_MS).unref();
}

function takeEarly(password: string, wrap: PasswordWrap): Promise<{ wrapKey: Buffer; authKey: Buffer }> | null {
  const e = early;
  if (!e || e.password !== password || e.wrap.alg !== wrap.alg || e.wrap.salt !== wrap.salt || e.wrap.N !== wrap.N || e.wrap.r !== wrap.r || e.wrap.p !== wrap.p) return null;
  early = null;
  return e.keys;
}

async function derive(password: string, wrap: PasswordWrap): Promise<{ wrapKey: Buffer; authKey: Buffer }> {
  const salt = checkPasswordWrap(wrap);
  const pw = Buffer.from(password.normalize('NFC'), 'utf8');
  let out: Buffer;
  try {
    out = await scryptAsync(pw, salt, wrap.N, wrap.r, wrap.p);
  } catch (e) {
    // Never pass the original error on: keep the cause out so nothing near the password leaks.
    throw new HavreError('INTERNAL', { reason: `scrypt failed (${e instanceof Error ? e.name : 'error'})` });
  } finally {
    pw.fill(0);
  }
  const wrapKey = Buffer.from(out.subarray(0, 32));
  const authKey = Buffer.from(out.subarray(32, 64));
  out.fill(0);
  return { wrapKey, authKey };
}
