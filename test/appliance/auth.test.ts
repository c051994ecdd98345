// Password logins (PROTOCOL.md §5): auth parameters, sessions, the lockout with its doubling
// delay and administrator unlock, and what user and admin sessions may read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../appliance/clock.js';
import type { AdminMachineKeysResponse, AuthParamsResponse, ListResponse, LoginResponse, MachineSummary } from '../../src-main/engine/appliance/protocol.js';
import { derivePasswordKeys, openAdminPrivateKey, unlockAsAdmin, unlockAsUser } from '../../src-main/engine/crypto/index.js';
import { ADMIN_PASSWORD, startAppliance, type TestAppliance } from './helpers/appliance.js';
import { call } from './helpers/https.js';
import { authKeyOf, enroll, type TestMachine } from './helpers/machines.js';
import { newObject, objectPath, putObject } from './helpers/objects.js';

const MIN = 60_000;
const WRONG_KEY = Buffer.alloc(32, 7).toString('base64');

describe('appliance logins', () => {
  let t: TestAppliance;
  let alice: TestMachine;
  let bob: TestMachine;
  let aliceKey: string;

  const login = (body: Record<string, unknown>) => call(t, 'POST', '/v1/auth/login', { json: body });
  const userLogin = (m: TestMachine, authKey: string) => login({ role: 'user', machineId: m.machineId, authKey });

  beforeAll(async () => {
    t = await startAppliance();
    alice = await enroll(t, { host: 'PC-ALICE', user: 'alice' }); // first: her USER_PRIV_AES opens (see helpers/machines)
    bob = await enroll(t, { host: 'PC-BOB', user: 'bob' });
    aliceKey = await authKeyOf(alice.password, alice.keys.userPrivateKey.wrap);
  });
  afterAll(() => t.stop());

  it('gives a user’s machines, newest first, with the KDF parameters; the admin’s wrap', async () => {
    t.clock.advance(MIN);
    const newer = await enroll(t, { host: 'PC-ALICE-2', user: 'alice' });
    const p = (await call(t, 'POST', '/v1/auth/params', { json: { role: 'user', user: 'alice' } })).json<AuthParamsResponse & { role: 'user' }>();
    expect(p.role).toBe('user');
    expect(p.machines.map((x) => x.machineId)).toEqual([newer.machineId, alice.machineId]);
    expect(p.machines[1]!.wrap).toEqual(alice.keys.userPrivateKey.wrap);
    const none = (await call(t, 'POST', '/v1/auth/params', { json: { role: 'user', user: 'nobody' } })).json<{ machines: unknown[] }>();
    expect(none.machines).toEqual([]);
    const admin = (await call(t, 'POST', '/v1/auth/params', { json: { role: 'admin' } })).json<{ role: string; wrap: { N: number } }>();
    expect(admin.role).toBe('admin');
    expect(admin.wrap.N).toBe(4096);
    expect((await call(t, 'POST', '/v1/auth/params', { json: { role: 'root' } })).status).toBe(400);
  });

  it('a user logs in with the auth key and gets USER_PRIV_AES and SECRET_USER, which open SECRET', async () => {
    const r = await userLogin(alice, aliceKey);
    expect(r.status).toBe(200);
    const l = r.json<LoginResponse & { role: 'user' }>();
    expect(l.session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(l.expires)).toBe(t.clock.now() + HOUR_MS);
    const { wrapKey } = await derivePasswordKeys(alice.password, l.keys.userPrivateKey.wrap);
    expect(unlockAsUser(wrapKey, l.keys).equals(alice.secret)).toBe(true);
  });

  it('the admin logs in, gets ADMIN_PRIV_AES, lists machines and opens any SECRET_ADMIN', async () => {
    const params = (await call(t, 'POST', '/v1/auth/params', { json: { role: 'admin' } })).json<{ wrap: Parameters<typeof derivePasswordKeys>[1] }>();
    const { wrapKey, authKey } = await derivePasswordKeys(ADMIN_PASSWORD, params.wrap);
    const r = await login({ role: 'admin', authKey: authKey.toString('base64') });
    expect(r.status).toBe(200);
    const l = r.json<LoginResponse & { role: 'admin' }>();
    const adminPriv = openAdminPrivateKey(wrapKey, l.keys);
    const list = (await call(t, 'GET', '/v1/admin/machines', { bearer: l.session })).json<{ machines: MachineSummary[] }>();
    expect(list.machines.map((x) => x.machineId)).toEqual(expect.arrayContaining([alice.machineId, bob.machineId]));
    const keys = (await call(t, 'GET', `/v1/admin/machines/${bob.machineId}/keys`, { bearer: l.session })).json<AdminMachineKeysResponse>();
    expect(unlockAsAdmin(adminPriv, keys.secretAdmin).equals(bob.secret)).toBe(true);
    expect(t.app.log.list({ machineId: bob.machineId }).some((e) => e.action === 'machine.keys.admin' && e.actor === 'admin')).toBe(true);
  });

  it('sessions: a user reads its machine’s objects, not another’s, and never stores; an admin reads any', async () => {
    const o = newObject(2000);
    await putObject(t, alice, 'data', o.bytes);
    const ob = newObject(2000);
    await putObject(t, bob, 'data', ob.bytes);
    const session = (await userLogin(alice, aliceKey)).json<LoginResponse>().session;

    expect((await call(t, 'GET', objectPath(alice.machineId, 'data', o.name), { bearer: session })).body.equals(o.bytes)).toBe(true);
    expect((await call(t, 'GET', objectPath(alice.machineId, 'data'), { bearer: session })).json<ListResponse>().objects.map((x) => x.name)).toContain(o.name);
    const other = await call(t, 'GET', objectPath(bob.machineId, 'data', ob.name), { bearer: session });
    expect(other.status).toBe(403);
    expect(other.code).toBe('FORBIDDEN');
    expect((await call(t, 'GET', objectPath(bob.machineId, 'data'), { bearer: session })).status).toBe(403);
    const put = await call(t, 'PUT', objectPath(alice.machineId, 'data', newObject(1).name), { bearer: session, body: Buffer.alloc(1) });
    expect(put.status).toBe(403);
    expect((await call(t, 'DELETE', objectPath(alice.machineId, 'data', o.name), { bearer: session })).status).toBe(403);
    expect((await call(t, 'GET', '/v1/admin/machines', { bearer: session })).status).toBe(403);

    const params = (await call(t, 'POST', '/v1/auth/params', { json: { role: 'admin' } })).json<{ wrap: Parameters<typeof derivePasswordKeys>[1] }>();
    const { authKey } = await derivePasswordKeys(ADMIN_PASSWORD, params.wrap);
    const admin = (await login({ role: 'admin', authKey: authKey.toString('base64') })).json<LoginResponse>().session;
    expect((await call(t, 'GET', objectPath(bob.machineId, 'data', ob.name), { bearer: admin })).body.equals(ob.bytes)).toBe(true);
    expect((await call(t, 'GET', objectPath(alice.machineId, 'data', o.name), { bearer: admin, headers: { Range: 'bytes=0-9' } })).body.equals(o.bytes.subarray(0, 10))).toBe(true);

    // Sessions last one hour of the appliance's clock.
    t.clock.advance(HOUR_MS);
    const expired = await call(t, 'GET', objectPath(alice.machineId, 'data', o.name), { bearer: session });
    expect(expired.status).toBe(401);
    expect(expired.code).toBe('SESSION_INVALID');
    expect((await call(t, 'GET', '/v1/admin/machines')).code).toBe('AUTH_REQUIRED');
    expect((await call(t, 'GET', '/v1/admin/machines', { bearer: 'x'.repeat(43) })).code).toBe('SESSION_INVALID');
  });

  it('locks out after 5 wrong keys: the 6th login gets 423 even with the right key; 15 minutes later it works', async () => {
    for (let i = 1; i <= 4; i++) {
      const r = await userLogin(bob, WRONG_KEY);
      expect(r.status).toBe(401);
      expect(r.json()).toMatchObject({ error: { code: 'WRONG_PASSWORD', params: { remaining: 5 - i } } });
    }
    const fifth = await userLogin(bob, WRONG_KEY);
    expect(fifth.status).toBe(423);
    const until = fifth.json<{ error: { params: { until: string } } }>().error.params.until;
    expect(Date.parse(until)).toBe(t.clock.now() + 15 * MIN);
    const bobKey = await authKeyOf(bob.password, bob.keys.userPrivateKey.wrap);
    const sixth = await userLogin(bob, bobKey);
    expect(sixth.status).toBe(423);
    expect(sixth.json()).toMatchObject({ error: { code: 'LOCKED_OUT', params: { until } } });
    expect(t.app.alerts.list({ machineId: bob.machineId }).filter((a) => a.type === 'LOCKOUT' && a.open)).toHaveLength(1);
    expect(t.app.log.list({ machineId: bob.machineId }).some((e) => e.action === 'account.lockout')).toBe(true);
    // Alice's account is not affected.
    expect((await userLogin(alice, aliceKey)).status).toBe(200);

    t.clock.advance(15 * MIN - 1);
    expect((await userLogin(bob, bobKey)).status).toBe(423);
    t.clock.advance(1);
    expect((await userLogin(bob, bobKey)).status).toBe(200);
    expect(t.app.log.list({ machineId: bob.machineId }).find((e) => e.action === 'account.unlock')?.detail).toMatchObject({ by: 'time' });
    expect(t.app.alerts.list({ machineId: bob.machineId, all: true }).find((a) => a.type === 'LOCKOUT')?.open).toBe(false);
  });

  it('each later lockout doubles the delay (30 min, then 60); the administrator’s unlock ends it and the doubling', async () => {
    const bobKey = await authKeyOf(bob.password, bob.keys.userPrivateKey.wrap);
    const lockOnce = async (): Promise<number> => {
      let r;
      for (let i = 0; i < 5; i++) r = await userLogin(bob, WRONG_KEY);
      expect(r!.status).toBe(423);
      return Date.parse(r!.json<{ error: { params: { until: string } } }>().error.params.until) - t.clock.now();
    };
    expect(await lockOnce()).toBe(30 * MIN);
    t.clock.advance(30 * MIN);
    expect(await lockOnce()).toBe(60 * MIN);
    t.clock.advance(59 * MIN);
    expect((await userLogin(bob, bobKey)).status).toBe(423);

    t.app.accounts.unlock({ machineId: bob.machineId }, 'admin-cli');
    expect((await userLogin(bob, bobKey)).status).toBe(200);
    expect(t.app.log.list({ machineId: bob.machineId }).find((e) => e.action === 'account.unlock')).toMatchObject({ actor: 'admin-cli', detail: { by: 'administrator' } });
    expect(await lockOnce()).toBe(15 * MIN); // the doubling starts over
    t.app.accounts.unlock({ machineId: bob.machineId });
  });

  it('the admin account locks out too, and `admin unlock` lifts it', async () => {
    for (let i = 0; i < 5; i++) await login({ role: 'admin', authKey: WRONG_KEY });
    const params = (await call(t, 'POST', '/v1/auth/params', { json: { role: 'admin' } })).json<{ wrap: Parameters<typeof derivePasswordKeys>[1] }>();
    const { authKey } = await derivePasswordKeys(ADMIN_PASSWORD, params.wrap);
    const right = await login({ role: 'admin', authKey: authKey.toString('base64') });
    expect(right.status).toBe(423);
    expect(t.app.alerts.list().some((a) => a.type === 'LOCKOUT' && a.machineId === null && a.open)).toBe(true);
    t.app.accounts.unlock('admin');
    expect((await login({ role: 'admin', authKey: authKey.toString('base64') })).status).toBe(200);
  });

  it('refuses malformed logins with 400 and unknown machines with 404', async () => {
    expect((await login({ role: 'user', machineId: alice.machineId, authKey: 'short' })).status).toBe(400);
    expect((await login({ role: 'user', machineId: alice.machineId, authKey: aliceKey, extra: 1 })).status).toBe(400);
    expect((await login({ role: 'user', machineId: 'e'.repeat(32), authKey: aliceKey })).status).toBe(404);
  });
});
