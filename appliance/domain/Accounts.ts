// Password accounts (PROTOCOL.md §5): one per machine's user, and the administrator. The appliance
// never sees a password, only the auth key derived from it, and keeps HMAC-SHA256(salt, authKey).
//
// Lockout: each account counts consecutive failures; the 5th locks it for 15 minutes, each later
// lockout doubles the delay up to 24 hours. While locked, every login, right or wrong, gets
// LOCKED_OUT (no oracle). A success resets the failure count; the lockout count (what doubles)
// is reset only by an administrator's unlock. Lockouts and unlocks go to the log and raise alerts.
import type { AdminKeys, AuthParamsResponse, LoginResponse, SetPasswordResponse } from '../../src-main/engine/appliance/protocol.js';
import { LOCKOUT_THRESHOLD, parseAuthParamsRequest, parseLoginRequest, parseSetPasswordRequest } from '../../src-main/engine/appliance/protocol.js';
import type { Alerts } from '../alerts/Alerts.js';
import type { Clock } from '../clock.js';
import { iso } from '../clock.js';
import type { Db } from '../db/database.js';
import { ApplianceError } from '../errors/index.js';
import type { Actor, ApplianceLog } from './ApplianceLog.js';
import { machineLabel, type MachineRecord, type Machines } from './Machines.js';
import { authHash, newAuthRecord, sameDigest } from './secrets.js';
import type { Sessions } from './Sessions.js';

export const FIRST_LOCK_MS = 15 * 60 * 1000;
export const MAX_LOCK_MS = 24 * 60 * 60 * 1000;
const ADMIN = 'admin';

export interface AccountState {
  readonly account: string;
  readonly kind: 'user' | 'admin';
  readonly machineId: string | null;
  readonly failures: number;
  readonly lockCount: number;
  readonly lockedUntil: string | null;
}

interface AccountRow {
  id: string;
  kind: 'user' | 'admin';
  machine_id: string | null;
  auth_salt: Buffer;
  auth_hash: Buffer;
  failures: number;
  lock_count: number;
  locked_until: number | null;
  password_set: 0 | 1;
}

/** How long the n-th lockout (1-based) lasts. */
export function lockDuration(n: number): number {
  return Math.min(FIRST_LOCK_MS * 2 ** Math.max(0, n - 1), MAX_LOCK_MS);
}

function userAccount(machineId: string): string {
  return `user:${machineId}`;
}

type Attempt = { ok: true; row: AccountRow } | { ok: false; error: ApplianceError };

export class Accounts {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly machines: Machines,
    private readonly sessions: Sessions,
    private readonly log: ApplianceLog,
    private readonly alerts: Alerts,
  ) {}

  /** At set-up: ADMIN_PUB, ADMIN_PRIV_AES and the admin's auth-key hash. */
  createAdmin(keys: AdminKeys, authKey: Uint8Array): void {
    const rec = newAuthRecord(authKey);
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO admin_keys (id, appliance_id, public_key, private_key) VALUES (1, ?, ?, ?)').run(keys.applianceId, keys.publicKey, JSON.stringify(keys.privateKey));
      this.db.prepare('INSERT INTO accounts (id, kind, machine_id, auth_salt, auth_hash) VALUES (?, ?, NULL, ?, ?)').run(ADMIN, 'admin', rec.salt, rec.hash);
    }).immediate();
  }

  /** At enrollment, inside its transaction. `passwordSet` false: a silent enrollment's random password. */
  createUser(machineId: string, authKey: Uint8Array, passwordSet = true): void {
    const rec = newAuthRecord(authKey);
    this.db.prepare('INSERT INTO accounts (id, kind, machine_id, auth_salt, auth_hash, password_set) VALUES (?, ?, ?, ?, ?, ?)')
      .run(userAccount(machineId), 'user', machineId, rec.salt, rec.hash, passwordSet ? 1 : 0);
  }

  /** Whether the machine's user chose a restore password (false after a silent enrollment, until they do). */
  passwordSet(machineId: string): boolean {
    return this.row(userAccount(machineId))?.password_set !== 0;
  }

  /**
   * POST /v1/machine/password (PROTOCOL.md §5): the machine's user sets or changes the restore
   * password. The machine sends a fresh USER pair holding SECRET, sealed under the new password;
   * once a password was chosen, the current one's auth key is needed and counts toward the
   * lockout like a login. The old USER keys, auth key and user sessions are gone after.
   */
  setPassword(m: MachineRecord, body: unknown): SetPasswordResponse {
    const req = parseSetPasswordRequest(body);
    const id = userAccount(m.id);
    const attempt = this.db.transaction((): Attempt => {
      const row = this.row(id);
      if (!row) return { ok: false, error: new ApplianceError('NOT_FOUND', { what: 'account' }) };
      if (row.password_set !== 0) {
        if (req.currentAuthKey === undefined) {
          return { ok: false, error: new ApplianceError('FORBIDDEN', { reason: 'a restore password was already chosen for this machine; the current one is needed to change it' }) };
        }
        const current = this.attempt(id, Buffer.from(req.currentAuthKey, 'base64'));
        if (!current.ok) return current;
      }
      const escrow = { ...this.machines.require(m.id).escrow, ...req.keys };
      const rec = newAuthRecord(Buffer.from(req.authKey, 'base64'));
      this.db.prepare('UPDATE machines SET escrow = ? WHERE id = ?').run(JSON.stringify(escrow), m.id);
      this.db.prepare('UPDATE accounts SET auth_salt = ?, auth_hash = ?, password_set = 1, failures = 0 WHERE id = ?').run(rec.salt, rec.hash, id);
      this.sessions.endUserSessions(m.id);
      this.log.write('machine', 'user.password', m.id, { first: row.password_set === 0 });
      return { ok: true, row };
    }).immediate();
    if (!attempt.ok) throw attempt.error;
    return { machineId: m.id, passwordSet: true };
  }

  adminKeys(): AdminKeys {
    const r = this.db.prepare('SELECT appliance_id, public_key, private_key FROM admin_keys WHERE id = 1').get() as
      | { appliance_id: string; public_key: string; private_key: string }
      | undefined;
    if (!r) throw new ApplianceError('INTERNAL', { reason: 'the appliance has no admin key' });
    return { applianceId: r.appliance_id, publicKey: r.public_key, privateKey: JSON.parse(r.private_key) as AdminKeys['privateKey'] };
  }

  /** POST /v1/auth/params */
  params(body: unknown): AuthParamsResponse {
    const req = parseAuthParamsRequest(body);
    if (req.role === 'admin') return { role: 'admin', wrap: this.adminKeys().privateKey.wrap };
    const machines = this.machines.summaries(req.user).map((s) => {
      const m = this.machines.require(s.machineId);
      return { ...s, wrap: m.escrow.userPrivateKey.wrap };
    });
    return { role: 'user', machines };
  }

  /** POST /v1/auth/login */
  login(body: unknown): LoginResponse {
    const req = parseLoginRequest(body);
    const accountId = req.role === 'admin' ? ADMIN : userAccount(req.machineId);
    const machine = req.role === 'user' ? this.machines.byId(req.machineId) : null;
    if (req.role === 'user' && !machine) throw new ApplianceError('NOT_FOUND', { what: `machine ${req.machineId}` });
    const authKey = Buffer.from(req.authKey, 'base64');
    // The counters must be committed even when the answer is an error: decide inside, throw outside.
    const attempt = this.db.transaction((): Attempt => this.attempt(accountId, authKey)).immediate();
    if (!attempt.ok) throw attempt.error;
    const session = this.sessions.create(req.role, machine?.id ?? null);
    const expires = iso(session.expires);
    if (req.role === 'admin') {
      this.log.write('admin', 'admin.login', null);
      return { role: 'admin', session: session.token, expires, keys: this.adminKeys() };
    }
    const m = machine!;
    this.log.write('user', 'user.login', m.id);
    return {
      role: 'user',
      session: session.token,
      expires,
      keys: { machineId: m.id, repoId: m.repoId, host: m.host, user: m.user, userPublicKey: m.escrow.userPublicKey, secretUser: m.escrow.secretUser, userPrivateKey: m.escrow.userPrivateKey },
    };
  }

  /** The administrator lifts a lockout: `users unlock MACHINE` / `admin unlock`. Resets the doubling too. */
  unlock(target: { machineId: string } | 'admin', actor: Actor = 'admin-cli'): AccountState {
    const id = target === 'admin' ? ADMIN : userAccount(this.machines.require(target.machineId).id);
    const row = this.row(id);
    if (!row) throw new ApplianceError('NOT_FOUND', { what: `account ${id}` });
    this.db.transaction(() => {
      const wasLocked = row.locked_until !== null && row.locked_until > this.clock.now();
      this.db.prepare('UPDATE accounts SET failures = 0, lock_count = 0, locked_until = NULL WHERE id = ?').run(id);
      this.log.write(actor, 'account.unlock', row.machine_id, { account: row.kind, by: 'administrator', wasLocked });
      if (wasLocked) this.unlockedAlert(row, 'by the administrator');
    }).immediate();
    return this.state(id);
  }

  /** Ends lockouts whose time is up (the sweeper), so the unlock is logged even without a login. */
  expireLockouts(): number {
    const rows = this.db.prepare('SELECT * FROM accounts WHERE locked_until IS NOT NULL AND locked_until <= ?').all(this.clock.now()) as AccountRow[];
    for (const r of rows) this.db.transaction(() => this.endLockByTime(r)).immediate();
    return rows.length;
  }

  state(accountId: string): AccountState {
    const r = this.row(accountId);
    if (!r) throw new ApplianceError('NOT_FOUND', { what: `account ${accountId}` });
    return { account: r.id, kind: r.kind, machineId: r.machine_id, failures: r.failures, lockCount: r.lock_count, lockedUntil: r.locked_until === null ? null : iso(r.locked_until) };
  }

  userState(machineId: string): AccountState {
    return this.state(userAccount(machineId));
  }

  adminState(): AccountState {
    return this.state(ADMIN);
  }

  private row(id: string): AccountRow | undefined {
    return this.db.prepare('SELECT * FROM accounts WHERE id = ?').get(id) as AccountRow | undefined;
  }

  private attempt(accountId: string, authKey: Buffer): Attempt {
    let row = this.row(accountId);
    if (!row) return { ok: false, error: new ApplianceError('NOT_FOUND', { what: 'account' }) };
    const now = this.clock.now();
    if (row.locked_until !== null) {
      if (now < row.locked_until) return { ok: false, error: new ApplianceError('LOCKED_OUT', { until: iso(row.locked_until) }) };
      this.endLockByTime(row);
      row = this.row(accountId)!;
    }
    if (sameDigest(authHash(row.auth_salt, authKey), row.auth_hash)) {
      if (row.failures !== 0) this.db.prepare('UPDATE accounts SET failures = 0 WHERE id = ?').run(row.id);
      return { ok: true, row };
    }
    const failures = row.failures + 1;
    if (failures < LOCKOUT_THRESHOLD) {
      this.db.prepare('UPDATE accounts SET failures = ? WHERE id = ?').run(failures, row.id);
      return { ok: false, error: new ApplianceError('WRONG_PASSWORD', { remaining: LOCKOUT_THRESHOLD - failures }) };
    }
    const lockCount = row.lock_count + 1;
    const until = now + lockDuration(lockCount);
    this.db.prepare('UPDATE accounts SET failures = 0, lock_count = ?, locked_until = ? WHERE id = ?').run(lockCount, until, row.id);
    this.log.write('system', 'account.lockout', row.machine_id, { account: row.kind, until: iso(until), lockout: lockCount });
    this.alerts.raise('LOCKOUT', row.machine_id, `${this.who(row)} is locked until ${iso(until)} after ${LOCKOUT_THRESHOLD} wrong passwords (lockout ${lockCount}).`, 'condition');
    return { ok: false, error: new ApplianceError('LOCKED_OUT', { until: iso(until) }) };
  }

  private endLockByTime(row: AccountRow): void {
    // Conditional: the server's sweeper and the admin CLI may both find the same elapsed lock.
    const n = this.db.prepare('UPDATE accounts SET locked_until = NULL WHERE id = ? AND locked_until IS NOT NULL AND locked_until <= ?').run(row.id, this.clock.now()).changes;
    if (n === 0) return;
    this.log.write('system', 'account.unlock', row.machine_id, { account: row.kind, by: 'time' });
    this.unlockedAlert(row, 'as its lockout delay ended');
  }

  private unlockedAlert(row: AccountRow, how: string): void {
    this.alerts.resolve('LOCKOUT', row.machine_id);
    this.alerts.raise('UNLOCKED', row.machine_id, `${this.who(row)} was unlocked ${how}.`, 'notice');
  }

  private who(row: AccountRow): string {
    if (row.kind === 'admin') return 'The administrator account';
    const m = row.machine_id ? this.machines.byId(row.machine_id) : null;
    return m ? `The account of ${m.user} on ${machineLabel(m)}` : 'A user account';
  }
}
