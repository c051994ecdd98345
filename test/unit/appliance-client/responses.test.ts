// Every answer the client reads is checked; what a hostile server could send yields a
// ProtocolViolation (then APPLIANCE_ERROR), never a TypeError further in.
import { describe, expect, it } from 'vitest';
import { mapTransportError, mapWireError } from '../../../src-main/engine/appliance/errors.js';
import { ProtocolViolation } from '../../../src-main/engine/appliance/protocol.js';
import * as parse from '../../../src-main/engine/appliance/responses.js';
import { newPasswordWrap } from '../../../src-main/engine/crypto/index.js';

const ID = 'a'.repeat(32);
const wrap = newPasswordWrap('test');
const machine = { machineId: ID, host: 'PC', user: 'alice', enrolled: '2026-01-01T00:00:00.000Z', lastSeen: null, revoked: false };
const B384 = Buffer.alloc(384, 1).toString('base64');

const hostile: unknown[] = [undefined, null, 0, 'x', [], true, { __proto__: { machineId: ID } }];

describe('response parsers', () => {
  it.each([
    ['info', parse.parseInfo], ['adminKey', parse.parseAdminKey], ['enroll', parse.parseEnrollResponse], ['machineKeys', parse.parseMachineKeys],
    ['machines', parse.parseMachineList], ['adminMachineKeys', parse.parseAdminMachineKeys], ['delete', parse.parseDelete], ['heartbeat', parse.parseHeartbeat],
    ['events', parse.parseEventsResponse], ['renew', parse.parseRenew], ['head', (v: unknown) => parse.parseChainHead(v)],
    ['list', (v: unknown) => parse.parseListPage(v, undefined)], ['login', (v: unknown) => parse.parseLogin(v, 'user')], ['params', (v: unknown) => parse.parseAuthParams(v, 'user')],
  ] as const)('%s refuses non-objects and empty objects with ProtocolViolation', (_n, fn) => {
    for (const v of [...hostile, {}]) expect(() => fn(v)).toThrow(ProtocolViolation);
  });

  it('auth params: machines with their wraps; bad wraps and roles refused', () => {
    expect(parse.parseAuthParams({ role: 'user', machines: [{ ...machine, wrap }] }, 'user')).toMatchObject({ machines: [{ machineId: ID, wrap }] });
    expect(parse.parseAuthParams({ role: 'admin', wrap }, 'admin')).toEqual({ role: 'admin', wrap });
    expect(() => parse.parseAuthParams({ role: 'admin', wrap }, 'user')).toThrow(ProtocolViolation);
    expect(() => parse.parseAuthParams({ role: 'user', machines: [{ ...machine, wrap: { ...wrap, N: 2 } }] }, 'user')).toThrow(ProtocolViolation);
    // scrypt parameters a hostile server could use to exhaust memory
    expect(() => parse.parseAuthParams({ role: 'admin', wrap: { ...wrap, N: 2 ** 30 } }, 'admin')).toThrow(ProtocolViolation);
    expect(() => parse.parseAuthParams({ role: 'user', machines: [{ ...machine, host: 'a\u0000b', wrap }] }, 'user')).toThrow(ProtocolViolation);
  });

  it('machine keys: exact key sizes', () => {
    const ok = { machineId: ID, repoId: ID, host: 'PC', user: 'alice', beemoAes: Buffer.alloc(32).toString('base64'), secretPoste: B384 };
    expect(parse.parseMachineKeys(ok)).toEqual(ok);
    expect(() => parse.parseMachineKeys({ ...ok, beemoAes: Buffer.alloc(31).toString('base64') })).toThrow(ProtocolViolation);
    expect(() => parse.parseMachineKeys({ ...ok, secretPoste: 'not base64!' })).toThrow(ProtocolViolation);
  });

  it('list pages must move forward', () => {
    const n = (c: string): string => c.repeat(64);
    expect(parse.parseListPage({ objects: [{ name: n('1'), size: 3 }], next: n('1') }, undefined)).toEqual({ objects: [{ name: n('1'), size: 3 }], next: n('1') });
    expect(() => parse.parseListPage({ objects: [], next: n('1') }, n('1'))).toThrow(ProtocolViolation);
    expect(() => parse.parseListPage({ objects: [{ name: n('1'), size: 3 }] }, n('2'))).toThrow(ProtocolViolation);
    expect(() => parse.parseListPage({ objects: [{ name: n('1'), size: -1 }] }, undefined)).toThrow(ProtocolViolation);
    expect(() => parse.parseListPage({ objects: [{ name: n('1'), size: 1.5 }] }, undefined)).toThrow(ProtocolViolation);
  });

  it('error bodies are read leniently, keeping only safe params', () => {
    expect(parse.parseWireError({ error: { code: 'WRONG_PASSWORD', message: 'Wrong', params: { remaining: 2, 'bad key': 1, obj: { a: 1 } } } }))
      .toEqual({ code: 'WRONG_PASSWORD', message: 'Wrong', params: { remaining: 2 } });
    expect(parse.parseWireError({ error: { code: 'SOMETHING_NEW' } }).code).toBeNull();
    expect(parse.parseWireError('oops')).toEqual({ code: null, message: '', params: {} });
    expect(parse.parseWireError({ error: { message: 'x'.repeat(1000) } }).message.length).toBeLessThanOrEqual(201);
  });
});

describe('error mapping', () => {
  it('TLS verification failures are APPLIANCE_CERT_MISMATCH, whatever wraps them', () => {
    for (const code of ['ERR_TLS_CERT_ALTNAME_INVALID', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED']) {
      const wrapped = Object.assign(new Error('request failed'), { code: 'ERR_GOT_REQUEST_ERROR', cause: Object.assign(new Error('x'), { code }) });
      expect(mapTransportError(wrapped, 'https://a').code).toBe('APPLIANCE_CERT_MISMATCH');
    }
  });

  it('network failures are APPLIANCE_UNREACHABLE with url and reason, and carry no cause (it holds the request options)', () => {
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']) {
      const e = mapTransportError(Object.assign(new Error('x'), { code }), 'https://a');
      expect(e.code).toBe('APPLIANCE_UNREACHABLE');
      expect(e.params).toEqual({ url: 'https://a', reason: code });
      expect(e.cause).toBeUndefined();
    }
    expect(mapTransportError(new Error('socket hang up'), 'https://a').params.reason).toBe('socket hang up');
  });

  it('NOT_FOUND is OBJECT_MISSING only for objects', () => {
    const info = { code: 'NOT_FOUND' as const, message: 'no', params: {} };
    expect(mapWireError(info, { url: 'u', status: 404, object: { kind: 'data', name: 'n' } }).code).toBe('OBJECT_MISSING');
    expect(mapWireError(info, { url: 'u', status: 404 }).code).toBe('APPLIANCE_ERROR');
  });
});
