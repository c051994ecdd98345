// The shared protocol definitions (docs/PROTOCOL.md): token format, event chain, strict parsers.
import { describe, it, expect, beforeAll } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import {
  GENESIS_HASH,
  ProtocolViolation,
  canonicalJson,
  chainEvents,
  eventHash,
  formatToken,
  parseEnrollRequest,
  parseEventsRequest,
  parseLoginRequest,
  parseToken,
} from '../../../src-main/engine/appliance/protocol.js';
import { createAdminKeys, createEscrow, type EscrowRecord } from '../../../src-main/engine/crypto/index.js';

function violation(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolViolation) return e.reason;
    throw e;
  }
  throw new Error('expected a ProtocolViolation');
}

describe('enrollment token', () => {
  const t = { id: randomBytes(8).toString('hex'), secret: randomBytes(32).toString('base64url'), caFingerprint: randomBytes(32).toString('hex') };

  it('round-trips and ignores surrounding whitespace', () => {
    expect(parseToken(`  ${formatToken(t)}\n`)).toEqual(t);
  });

  it.each([
    ['truncated', (s: string) => s.slice(0, -1)],
    ['wrong prefix', (s: string) => s.replace('HVT1', 'HVT2')],
    ['upper-case fingerprint', (s: string) => s.slice(0, -64) + s.slice(-64).toUpperCase()],
    ['extra part', (s: string) => `${s}.x`],
    ['empty', () => ''],
  ])('refuses a %s token', (_, mangle) => {
    expect(parseToken(mangle(formatToken(t)))).toBeNull();
  });
});

describe('event hash chain', () => {
  const events = [
    { time: '2026-11-22T10:00:00.000Z', type: 'backup.done', data: { files: 3, b: { z: 1, a: [1, 2] } } },
    { time: '2026-11-22T10:05:00.000Z', type: 'restore.done', data: {} },
  ];

  it('matches the formula of PROTOCOL.md §7 (an independent computation)', () => {
    const [first] = chainEvents({ seq: 0, hash: GENESIS_HASH }, events);
    const text = `havre-event/v1\n1\n2026-11-22T10:00:00.000Z\nbackup.done\n{"b":{"a":[1,2],"z":1},"files":3}\n${GENESIS_HASH}`;
    expect(first!.hash).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });

  it('links each event to the previous one', () => {
    const chain = chainEvents({ seq: 0, hash: GENESIS_HASH }, events);
    expect(chain.map((e) => e.seq)).toEqual([1, 2]);
    expect(chain[1]!.prev).toBe(chain[0]!.hash);
    for (const e of chain) expect(eventHash(e)).toBe(e.hash);
  });

  it('any edit changes the hash', () => {
    const [e] = chainEvents({ seq: 0, hash: GENESIS_HASH }, events);
    expect(eventHash({ ...e!, data: { ...e!.data, files: 4 } })).not.toBe(e!.hash);
    expect(eventHash({ ...e!, time: '2026-11-22T10:00:00.001Z' })).not.toBe(e!.hash);
    expect(eventHash({ ...e!, seq: 2 })).not.toBe(e!.hash);
  });

  it('canonical JSON does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' } })).toBe(canonicalJson({ a: { c: 'x', d: [true, null] }, b: 1 }));
  });

  it('refuses malformed events', () => {
    const [e] = chainEvents({ seq: 0, hash: GENESIS_HASH }, events);
    expect(violation(() => parseEventsRequest({ events: [{ ...e, seq: 0 }] }))).toMatch(/seq/);
    expect(violation(() => parseEventsRequest({ events: [{ ...e, type: 'Bad Type' }] }))).toMatch(/type/);
    expect(violation(() => parseEventsRequest({ events: [{ ...e, extra: 1 }] }))).toMatch(/extra/);
    expect(violation(() => parseEventsRequest({ events: [{ ...e, data: { big: 'x'.repeat(20_000) } }] }))).toMatch(/too large/);
    expect(violation(() => parseEventsRequest({ events: new Array(1001).fill(e) }))).toMatch(/at most/);
  });
});

describe('enroll request parser', () => {
  let keys: EscrowRecord;
  const csr = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';

  beforeAll(async () => {
    const admin = await createAdminKeys(randomBytes(16).toString('hex'), 'pw', 'test');
    keys = (await createEscrow({ repoId: randomBytes(16).toString('hex'), adminPublicKey: admin.publicKey, userPassword: 'pw', kdf: 'test' })).record;
  }, 60_000);

  const request = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    token: 'HVT1.x', csr, host: 'PC-ALICE', user: 'alice', keys, authKey: randomBytes(32).toString('base64'), ...over,
  });

  it('accepts what createEscrow makes', () => {
    expect(parseEnrollRequest(request()).keys).toEqual(keys);
  });

  it.each([
    ['a short auth key', { authKey: randomBytes(16).toString('base64') }, /authKey/],
    ['a non-canonical base64 auth key', { authKey: `${randomBytes(32).toString('base64')} ` }, /authKey/],
    ['a host with a newline', { host: 'PC\nALICE' }, /host/],
    ['an unexpected member', { admin: true }, /admin/],
    ['a missing CSR', { csr: undefined }, /csr/],
    ['a certificate instead of a CSR', { csr: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----' }, /csr/],
  ])('refuses %s', (_, over, reason) => {
    expect(violation(() => parseEnrollRequest(request(over)))).toMatch(reason);
  });

  it('refuses weak or malformed keys', () => {
    expect(violation(() => parseEnrollRequest(request({ keys: { ...keys, userPublicKey: randomBytes(300).toString('base64') } })))).toMatch(/userPublicKey/);
    expect(violation(() => parseEnrollRequest(request({ keys: { ...keys, secretUser: randomBytes(256).toString('base64') } })))).toMatch(/secretUser/);
    const weak = { ...keys.userPrivateKey, wrap: { ...keys.userPrivateKey.wrap, N: 1024 } };
    expect(violation(() => parseEnrollRequest(request({ keys: { ...keys, userPrivateKey: weak } })))).toMatch(/weak/);
    expect(violation(() => parseEnrollRequest(request({ keys: { ...keys, repoId: 'ABC' } })))).toMatch(/repoId/);
  });

  it('login: role decides the members', () => {
    const authKey = randomBytes(32).toString('base64');
    expect(parseLoginRequest({ role: 'admin', authKey })).toEqual({ role: 'admin', authKey });
    expect(violation(() => parseLoginRequest({ role: 'user', authKey }))).toMatch(/machineId/);
    expect(violation(() => parseLoginRequest({ role: 'root', authKey }))).toMatch(/role/);
  });
});
