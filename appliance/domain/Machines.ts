// Enrolled machines: who they are, their escrowed keys, their quota and allowed silence, and the
// administrator's actions on them (revoke, quota, silence). Reading escrowed keys is logged.
import type { AdminMachineKeysResponse, EscrowKeys, MachineKeysResponse, MachineSummary, RenewResponse } from '../../src-main/engine/appliance/protocol.js';
import { parseRenewRequest } from '../../src-main/engine/appliance/protocol.js';
import type { CertificateAuthority } from '../ca/CertificateAuthority.js';
import type { Clock } from '../clock.js';
import { HOUR_MS, iso } from '../clock.js';
import type { Db } from '../db/database.js';
import { ApplianceError } from '../errors/index.js';
import type { Alerts } from '../alerts/Alerts.js';
import type { Actor, ApplianceLog } from './ApplianceLog.js';

export interface MachineRecord {
  readonly id: string;
  readonly host: string;
  readonly user: string;
  readonly enrolled: number;
  readonly tokenId: string;
  readonly certFingerprint: string;
  readonly certExpires: number;
  readonly revokedAt: number | null;
  readonly repoId: string;
  readonly escrow: EscrowKeys;
  readonly beemoAes: Buffer;
  readonly quotaBytes: number | null;
  readonly maxSilenceHours: number;
  readonly usedBytes: number;
  readonly lastSeen: number | null;
  readonly eventSeq: number;
  readonly eventHash: string;
}

/** What the administrator sees of a machine: no key material. */
export interface MachineInfo extends MachineSummary {
  readonly revokedAt: string | null;
  readonly repoId: string;
  readonly quotaBytes: number | null;
  readonly usedBytes: number;
  readonly maxSilenceHours: number;
  readonly certificateExpires: string;
  readonly eventHead: { readonly seq: number; readonly hash: string };
  readonly lastStatus: Record<string, unknown> | null;
  readonly lastConfig: Record<string, unknown> | null;
}

export interface MachineRow {
  id: string;
  host: string;
  user: string;
  enrolled: number;
  token_id: string;
  cert_fingerprint: string;
  cert_expires: number;
  revoked_at: number | null;
  repo_id: string;
  escrow: string;
  beemo_aes: Buffer;
  quota_bytes: number | null;
  max_silence_hours: number;
  used_bytes: number;
  last_seen: number | null;
  last_status: string | null;
  last_config: string | null;
  event_seq: number;
  event_hash: string;
}

function toRecord(r: MachineRow): MachineRecord {
  return {
    id: r.id,
    host: r.host,
    user: r.user,
    enrolled: r.enrolled,
    tokenId: r.token_id,
    certFingerprint: r.cert_fingerprint,
    certExpires: r.cert_expires,
    revokedAt: r.revoked_at,
    repoId: r.repo_id,
    escrow: JSON.parse(r.escrow) as EscrowKeys,
    beemoAes: r.beemo_aes,
    quotaBytes: r.quota_bytes,
    maxSilenceHours: r.max_silence_hours,
    usedBytes: r.used_bytes,
    lastSeen: r.last_seen,
    eventSeq: r.event_seq,
    eventHash: r.event_hash,
  };
}

function toInfo(r: MachineRow): MachineInfo {
  return {
    machineId: r.id,
    host: r.host,
    user: r.user,
    enrolled: iso(r.enrolled),
    lastSeen: r.last_seen === null ? null : iso(r.last_seen),
    revoked: r.revoked_at !== null,
    revokedAt: r.revoked_at === null ? null : iso(r.revoked_at),
    repoId: r.repo_id,
    quotaBytes: r.quota_bytes,
    usedBytes: r.used_bytes,
    maxSilenceHours: r.max_silence_hours,
    certificateExpires: iso(r.cert_expires),
    eventHead: { seq: r.event_seq, hash: r.event_hash },
    lastStatus: r.last_status === null ? null : (JSON.parse(r.last_status) as Record<string, unknown>),
    lastConfig: r.last_config === null ? null : (JSON.parse(r.last_config) as Record<string, unknown>),
  };
}

export function machineLabel(m: { host: string; id: string }): string {
  return `${m.host} (${m.id.slice(0, 8)})`;
}

export class Machines {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly ca: CertificateAuthority,
    private readonly log: ApplianceLog,
    private readonly alerts: Alerts,
  ) {}

  byId(id: string): MachineRecord | null {
    const r = this.db.prepare('SELECT * FROM machines WHERE id = ?').get(id) as MachineRow | undefined;
    return r ? toRecord(r) : null;
  }

  byFingerprint(fingerprint: string): MachineRecord | null {
    const r = this.db.prepare('SELECT * FROM machines WHERE cert_fingerprint = ?').get(fingerprint) as MachineRow | undefined;
    return r ? toRecord(r) : null;
  }

  require(id: string): MachineRecord {
    const m = this.byId(id);
    if (!m) throw new ApplianceError('NOT_FOUND', { what: `machine ${id.slice(0, 40)}` });
    return m;
  }

  /** Accepts a whole id or a unique prefix of at least 4 characters (for the admin CLI). */
  resolveId(idOrPrefix: string): string {
    if (!/^[0-9a-f]{4,32}$/.test(idOrPrefix)) throw new ApplianceError('NOT_FOUND', { what: `machine ${idOrPrefix.slice(0, 40)}` });
    const rows = this.db.prepare("SELECT id FROM machines WHERE id LIKE ? || '%' LIMIT 2").all(idOrPrefix) as { id: string }[];
    if (rows.length !== 1) throw new ApplianceError('NOT_FOUND', { what: rows.length === 0 ? `machine ${idOrPrefix}` : `a single machine for “${idOrPrefix}” (several match)` });
    return rows[0]!.id;
  }

  info(id: string): MachineInfo {
    const r = this.db.prepare('SELECT * FROM machines WHERE id = ?').get(id) as MachineRow | undefined;
    if (!r) throw new ApplianceError('NOT_FOUND', { what: `machine ${id.slice(0, 40)}` });
    return toInfo(r);
  }

  /** Newest first. */
  list(): MachineInfo[] {
    return (this.db.prepare('SELECT * FROM machines ORDER BY enrolled DESC, id').all() as MachineRow[]).map(toInfo);
  }

  /** PROTOCOL.md §5's MachineSummary, newest first; `user` restricts to one user's machines. */
  summaries(user?: string): MachineSummary[] {
    const rows = (user === undefined
      ? this.db.prepare('SELECT * FROM machines ORDER BY enrolled DESC, id').all()
      : this.db.prepare('SELECT * FROM machines WHERE user = ? ORDER BY enrolled DESC, id').all(user)) as MachineRow[];
    return rows.map((r) => ({ machineId: r.id, host: r.host, user: r.user, enrolled: iso(r.enrolled), lastSeen: r.last_seen === null ? null : iso(r.last_seen), revoked: r.revoked_at !== null }));
  }

  /** GET /v1/machine/keys: what the machine's daily unlock needs, for the machine itself only. */
  machineKeys(m: MachineRecord): MachineKeysResponse {
    return { machineId: m.id, repoId: m.repoId, host: m.host, user: m.user, beemoAes: m.beemoAes.toString('base64'), secretPoste: m.escrow.secretPoste };
  }

  /** GET /v1/admin/machines/{id}/keys: SECRET_ADMIN, which only ADMIN_PRIV opens. Logged. */
  adminKeys(id: string, actor: Actor): AdminMachineKeysResponse {
    const m = this.require(id);
    this.log.write(actor, 'machine.keys.admin', m.id);
    return { machineId: m.id, repoId: m.repoId, host: m.host, user: m.user, secretAdmin: m.escrow.secretAdmin };
  }

  /** POST /v1/machine/renew: a new certificate for the same machine; the old one stops working. */
  async renew(m: MachineRecord, body: unknown): Promise<RenewResponse> {
    const req = parseRenewRequest(body);
    const cert = await this.ca.signMachineRequest(req.csr, m.id);
    const changed = this.db
      .prepare('UPDATE machines SET cert_fingerprint = ?, cert_expires = ? WHERE id = ? AND cert_fingerprint = ? AND revoked_at IS NULL')
      .run(cert.fingerprint, cert.notAfter, m.id, m.certFingerprint).changes;
    // Two renewals at once with the same old certificate: only the first one wins.
    if (changed !== 1) throw new ApplianceError('CERT_UNKNOWN');
    this.log.write('machine', 'machine.renew', m.id);
    return { certificate: cert.pem };
  }

  revoke(id: string, actor: Actor): MachineInfo {
    const m = this.require(id);
    if (m.revokedAt === null) {
      this.db.prepare('UPDATE machines SET revoked_at = ? WHERE id = ?').run(this.clock.now(), m.id);
      this.log.write(actor, 'machine.revoke', m.id, { host: m.host });
      this.alerts.resolve('MACHINE_SILENT', m.id); // a revoked machine is expected to be silent
    }
    return this.info(m.id);
  }

  /** null = unlimited. A quota change ends an open QUOTA_EXCEEDED alert: the next upload decides. */
  setQuota(id: string, bytes: number | null, actor: Actor): MachineInfo {
    if (bytes !== null && (!Number.isSafeInteger(bytes) || bytes < 0)) throw new ApplianceError('USAGE', { detail: 'a quota is a whole number of bytes, or “none”' });
    const m = this.require(id);
    this.db.prepare('UPDATE machines SET quota_bytes = ? WHERE id = ?').run(bytes, m.id);
    this.log.write(actor, 'machine.quota', m.id, { quotaBytes: bytes });
    this.alerts.resolve('QUOTA_EXCEEDED', m.id);
    return this.info(m.id);
  }

  setMaxSilence(id: string, hours: number, actor: Actor): MachineInfo {
    if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 366) throw new ApplianceError('USAGE', { detail: 'the allowed silence is a number of hours above 0' });
    const m = this.require(id);
    this.db.prepare('UPDATE machines SET max_silence_hours = ? WHERE id = ?').run(hours, m.id);
    this.log.write(actor, 'machine.silence', m.id, { maxSilenceHours: hours });
    return this.info(m.id);
  }

  /** Raises MACHINE_SILENT for every machine silent longer than allowed; returns how many were raised. */
  checkSilence(): number {
    const now = this.clock.now();
    const rows = this.db
      .prepare('SELECT id, host, user, enrolled, last_seen, max_silence_hours FROM machines WHERE revoked_at IS NULL AND COALESCE(last_seen, enrolled) + max_silence_hours * ? < ?')
      .all(HOUR_MS, now) as Pick<MachineRow, 'id' | 'host' | 'user' | 'enrolled' | 'last_seen' | 'max_silence_hours'>[];
    let raised = 0;
    for (const r of rows) {
      const since = r.last_seen ?? r.enrolled;
      const what = r.last_seen === null ? `has not reported since its enrollment at ${iso(since)}` : `has not reported since ${iso(since)}`;
      const a = this.alerts.raise('MACHINE_SILENT', r.id, `Machine ${machineLabel(r)} of ${r.user} ${what} (allowed silence: ${r.max_silence_hours} h).`, 'condition');
      if (a) raised++;
    }
    return raised;
  }
}
