// Enrollment tokens (PROTOCOL.md §4): `HVT1.<id>.<secret>.<CA fingerprint>`, single use by default
// or up to `uses` machines (a fleet token, for an installer command line or a machine policy), with
// an expiry. Only SHA-256 of the secret is kept; the token text is shown once, to the administrator.
import { randomBytes } from 'node:crypto';
import { formatToken, type EnrollmentToken } from '../../src-main/engine/appliance/protocol.js';
import type { Clock } from '../clock.js';
import { HOUR_MS, iso } from '../clock.js';
import type { Db } from '../db/database.js';
import { ApplianceError } from '../errors/index.js';
import type { Actor, ApplianceLog } from './ApplianceLog.js';
import { randomToken, sameDigest, sha256 } from './secrets.js';

export type TokenState = 'active' | 'used' | 'expired' | 'revoked';

export interface TokenInfo {
  readonly id: string;
  readonly created: string;
  readonly expires: string;
  readonly state: TokenState;
  readonly usedAt: string | null;
  readonly machineId: string | null;
  readonly note: string | null;
  /** Machines enrolled with it so far, and how many it may enroll. */
  readonly uses: number;
  readonly maxUses: number;
}

interface TokenRow {
  id: string;
  secret_hash: Buffer;
  created: number;
  expires: number;
  used_at: number | null;
  machine_id: string | null;
  revoked_at: number | null;
  note: string | null;
  uses: number;
  max_uses: number;
}

const MAX_NOTE = 200;
const MAX_USES = 100_000;

export class Tokens {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: ApplianceLog,
    private readonly caFingerprint: string,
    private readonly defaultTtlHours: number,
  ) {}

  /** Returns the token text (shown once) and its record. */
  create(opts: { ttlHours?: number; note?: string; uses?: number } = {}, actor: Actor = 'admin-cli'): { token: string; info: TokenInfo } {
    const ttl = opts.ttlHours ?? this.defaultTtlHours;
    const uses = opts.uses ?? 1;
    if (!Number.isInteger(uses) || uses < 1 || uses > MAX_USES) throw new ApplianceError('USAGE', { detail: `a token enrolls 1 to ${MAX_USES} machines` });
    if (!Number.isFinite(ttl) || ttl <= 0 || ttl > 24 * 366) throw new ApplianceError('USAGE', { detail: 'a token lifetime is a number of hours above 0, at most a year' });
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    if (opts.note !== undefined && (opts.note.length > MAX_NOTE || /[\u0000-\u001f\u007f]/.test(opts.note))) {
      throw new ApplianceError('USAGE', { detail: `a note is at most ${MAX_NOTE} characters, on one line` });
    }
    const t: EnrollmentToken = { id: randomBytes(8).toString('hex'), secret: randomToken(), caFingerprint: this.caFingerprint };
    const now = this.clock.now();
    this.db
      .prepare('INSERT INTO tokens (id, secret_hash, created, expires, note, max_uses) VALUES (?, ?, ?, ?, ?, ?)')
      .run(t.id, sha256(t.secret), now, now + Math.round(ttl * HOUR_MS), opts.note ?? null, uses);
    this.log.write(actor, 'token.create', null, { tokenId: t.id, ttlHours: ttl, uses });
    return { token: formatToken(t), info: this.info(t.id) };
  }

  /** Newest first. */
  list(): TokenInfo[] {
    return (this.db.prepare('SELECT * FROM tokens ORDER BY created DESC, id').all() as TokenRow[]).map((r) => this.toInfo(r));
  }

  info(id: string): TokenInfo {
    const r = this.db.prepare('SELECT * FROM tokens WHERE id = ?').get(id) as TokenRow | undefined;
    if (!r) throw new ApplianceError('NOT_FOUND', { what: `token ${id.slice(0, 40)}` });
    return this.toInfo(r);
  }

  /** A used-up token stays used; an active or expired one (a fleet token partly used too) can no longer be used. */
  revoke(id: string, actor: Actor = 'admin-cli'): TokenInfo {
    const r = this.db.prepare('SELECT * FROM tokens WHERE id = ?').get(id) as TokenRow | undefined;
    if (!r) throw new ApplianceError('NOT_FOUND', { what: `token ${id.slice(0, 40)}` });
    if (r.uses < r.max_uses && r.revoked_at === null) {
      this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ?').run(this.clock.now(), id);
      this.log.write(actor, 'token.revoke', null, { tokenId: id });
    }
    return this.info(id);
  }

  /**
   * Checks a parsed token; throws TOKEN_INVALID with its reason. Call it again inside the
   * enrollment transaction: the first call only saves work on hopeless requests.
   */
  check(t: EnrollmentToken): void {
    const r = this.db.prepare('SELECT * FROM tokens WHERE id = ?').get(t.id) as TokenRow | undefined;
    // Same answer for an unknown id, a wrong secret and another appliance's token: no oracle.
    if (!r || !sameDigest(sha256(t.secret), r.secret_hash) || t.caFingerprint !== this.caFingerprint) {
      throw new ApplianceError('TOKEN_INVALID', { reason: 'unknown' });
    }
    if (r.revoked_at !== null) throw new ApplianceError('TOKEN_INVALID', { reason: 'revoked' });
    if (r.uses >= r.max_uses) throw new ApplianceError('TOKEN_INVALID', { reason: 'used' });
    if (this.clock.now() >= r.expires) throw new ApplianceError('TOKEN_INVALID', { reason: 'expired' });
  }

  /** Marks a checked token used by `machineId`; inside the enrollment transaction. */
  consume(id: string, machineId: string): void {
    const n = this.db.prepare('UPDATE tokens SET uses = uses + 1, used_at = ?, machine_id = ? WHERE id = ? AND uses < max_uses AND revoked_at IS NULL')
      .run(this.clock.now(), machineId, id).changes;
    if (n !== 1) throw new ApplianceError('TOKEN_INVALID', { reason: 'used' });
  }

  private toInfo(r: TokenRow): TokenInfo {
    const state: TokenState = r.revoked_at !== null ? 'revoked' : r.uses >= r.max_uses ? 'used' : this.clock.now() >= r.expires ? 'expired' : 'active';
    return { id: r.id, created: iso(r.created), expires: iso(r.expires), state, usedAt: r.used_at === null ? null : iso(r.used_at), machineId: r.machine_id, note: r.note,
      uses: r.uses, maxUses: r.max_uses };
  }
}
