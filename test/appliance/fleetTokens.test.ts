// Fleet tokens (issue 8): one token for a wave of machines (an MSI command line, a machine policy),
// enrolling up to its count over real HTTPS, then refused as used; racing enrollments never exceed
// the count; revoking stops the rest; a database from before the migration keeps its tokens' state.
// Bad inputs tried: 0, -1, 1.5 and 100 001 uses; the (N+1)th use; N+2 racing uses; a revoked fleet token.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../appliance/db/schema.js';
import { startAppliance, type TestAppliance } from './helpers/appliance.js';
import { call } from './helpers/https.js';
import { enroll, enrollBody } from './helpers/machines.js';

describe('fleet tokens', () => {
  let t: TestAppliance;
  beforeAll(async () => {
    t = await startAppliance();
  });
  afterAll(() => t.stop());

  it('enrolls up to its count, then says used; the list shows the uses', async () => {
    const { token, info } = t.app.tokens.create({ uses: 3, note: 'wave 1' });
    expect(info).toMatchObject({ uses: 0, maxUses: 3, state: 'active' });
    for (let i = 0; i < 3; i++) await enroll(t, { token });
    expect(t.app.tokens.info(info.id)).toMatchObject({ uses: 3, maxUses: 3, state: 'used' });
    const fourth = await call(t, 'POST', '/v1/enroll', { json: (await enrollBody(t, { token })).body });
    expect(fourth.status).toBe(403);
    expect(fourth.json()).toMatchObject({ error: { code: 'TOKEN_INVALID', params: { reason: 'used' } } });
  });

  it('racing enrollments never exceed the count', async () => {
    const { token, info } = t.app.tokens.create({ uses: 2 });
    const bodies = await Promise.all([0, 1, 2, 3].map(() => enrollBody(t, { token })));
    const replies = await Promise.all(bodies.map((b) => call(t, 'POST', '/v1/enroll', { json: b.body })));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 201, 403, 403]);
    expect(t.app.tokens.info(info.id).uses).toBe(2);
  });

  it('revoking a partly used fleet token stops the rest', async () => {
    const { token, info } = t.app.tokens.create({ uses: 5 });
    await enroll(t, { token });
    expect(t.app.tokens.revoke(info.id)).toMatchObject({ state: 'revoked', uses: 1 });
    const r = await call(t, 'POST', '/v1/enroll', { json: (await enrollBody(t, { token })).body });
    expect(r.json()).toMatchObject({ error: { code: 'TOKEN_INVALID', params: { reason: 'revoked' } } });
  });

  it.each([0, -1, 1.5, 100_001])('refuses %s uses', (uses) => {
    expect(() => t.app.tokens.create({ uses })).toThrow(/a token enrolls 1 to 100000 machines/);
  });

  it('a database from before fleet tokens keeps used tokens used and the others single use; earlier users keep their password', () => {
    const dir = mkdtempSync(join(tmpdir(), 'havre-migrate-'));
    try {
      const db = new Database(join(dir, 'a.sqlite'));
      db.exec(`CREATE TABLE tokens (id TEXT PRIMARY KEY, secret_hash BLOB NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL,
        used_at INTEGER, machine_id TEXT, revoked_at INTEGER, note TEXT)`);
      // Stand in for migration 1 having run: only the tokens table matters to migration 2, and accounts to 3.
      db.exec(`CREATE TABLE accounts (id TEXT PRIMARY KEY, kind TEXT NOT NULL, machine_id TEXT, auth_salt BLOB NOT NULL, auth_hash BLOB NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0, lock_count INTEGER NOT NULL DEFAULT 0, locked_until INTEGER)`);
      db.prepare("INSERT INTO accounts (id, kind, machine_id, auth_salt, auth_hash) VALUES ('user:m1', 'user', 'm1', x'00', x'00')").run();
      db.pragma('user_version = 1');
      db.prepare('INSERT INTO tokens (id, secret_hash, created, expires, used_at) VALUES (?, ?, 0, 1, ?)').run('a', Buffer.alloc(32), 5);
      db.prepare('INSERT INTO tokens (id, secret_hash, created, expires, used_at) VALUES (?, ?, 0, 1, NULL)').run('b', Buffer.alloc(32));
      expect(migrate(db)).toBe(true);
      expect(db.prepare('SELECT id, uses, max_uses FROM tokens ORDER BY id').all()).toEqual([{ id: 'a', uses: 1, max_uses: 1 }, { id: 'b', uses: 0, max_uses: 1 }]);
      // Migration 3: users enrolled before silent enrollments existed all chose their password.
      expect(db.prepare('SELECT id, password_set FROM accounts').all()).toEqual([{ id: 'user:m1', password_set: 1 }]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
