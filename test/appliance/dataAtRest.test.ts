// What the data folder holds (DESIGN.md §3, §6 invariant 6): never an auth key, a password, a
// session token or a token secret in clear; the private keys of the CA and the server are 0600.
// BEEMO_AES is in the database by design: the appliance releases it to the machine's mTLS
// identity, and it opens nothing without POSTE_PRIV_AES, which only the workstation keeps.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseToken, type LoginResponse } from '../../src-main/engine/appliance/protocol.js';
import { derivePasswordKeys, type PasswordWrap } from '../../src-main/engine/crypto/index.js';
import { ADMIN_PASSWORD, startAppliance, type TestAppliance } from './helpers/appliance.js';
import { call } from './helpers/https.js';
import { authKeyOf, enroll, type TestMachine } from './helpers/machines.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

describe('appliance data at rest', () => {
  let t: TestAppliance;
  let m: TestMachine;
  const secrets = new Map<string, Buffer>();

  beforeAll(async () => {
    t = await startAppliance();
    m = await enroll(t);
    const userAuth = await authKeyOf(m.password, m.keys.userPrivateKey.wrap);
    secrets.set('user auth key (raw)', Buffer.from(userAuth, 'base64'));
    secrets.set('user auth key (base64)', Buffer.from(userAuth));
    secrets.set('user password', Buffer.from(m.password));
    const adminWrap = (await call(t, 'POST', '/v1/auth/params', { json: { role: 'admin' } })).json<{ wrap: PasswordWrap }>().wrap;
    const admin = await derivePasswordKeys(ADMIN_PASSWORD, adminWrap);
    secrets.set('admin auth key (raw)', admin.authKey);
    secrets.set('admin auth key (base64)', Buffer.from(admin.authKey.toString('base64')));
    secrets.set('admin password', Buffer.from(ADMIN_PASSWORD));
    secrets.set('admin wrap key', admin.wrapKey);
    const session = (await call(t, 'POST', '/v1/auth/login', { json: { role: 'user', machineId: m.machineId, authKey: userAuth } })).json<LoginResponse>().session;
    secrets.set('user session token', Buffer.from(session));
    const adminSession = (await call(t, 'POST', '/v1/auth/login', { json: { role: 'admin', authKey: admin.authKey.toString('base64') } })).json<LoginResponse>().session;
    secrets.set('admin session token', Buffer.from(adminSession));
    const token = parseToken(t.app.tokens.create().token)!;
    secrets.set('enrollment token secret', Buffer.from(token.secret));
    secrets.set('SECRET', m.secret);
  });
  afterAll(() => t.stop());

  const scan = (): string[] => {
    const found: string[] = [];
    for (const f of filesUnder(t.dir)) {
      const bytes = readFileSync(f);
      for (const [what, s] of secrets) if (bytes.includes(s)) found.push(`${what} in ${f}`);
    }
    return found;
  };

  it('holds no auth key, password, session token, token secret or SECRET, while running and once closed', async () => {
    expect(filesUnder(t.dir).some((f) => f.endsWith('appliance.db-wal'))).toBe(true); // the WAL is scanned too
    expect(statSync(join(t.dir, 'appliance.db-wal')).mode & 0o777).toBe(0o600); // like the database
    expect(scan()).toEqual([]);
    await t.app.close();
    expect(scan()).toEqual([]);
    // BEEMO_AES is there, by design (see above): the scan would have found it.
    const db = readFileSync(join(t.dir, 'appliance.db'));
    expect(db.includes(m.beemoAes)).toBe(true);
  });

  it('keeps the CA and server private keys (and the folders) readable by the owner only', () => {
    const mode = (p: string): number => statSync(join(t.dir, p)).mode & 0o777;
    expect(mode('tls/ca.key')).toBe(0o600);
    expect(mode('tls/server.key')).toBe(0o600);
    expect(mode('tls')).toBe(0o700);
    expect(mode('.')).toBe(0o700);
    expect(mode('appliance.json')).toBe(0o600);
    expect(mode('appliance.db')).toBe(0o600); // escrowed keys and BEEMO_AES
    expect(readFileSync(join(t.dir, 'tls/ca.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });
});
