// Login sessions (PROTOCOL.md §1): 32 random bytes in base64url, handed out once; the appliance
// keeps only their SHA-256, so its database never holds a usable session.
import { SESSION_TTL_MS } from '../../src-main/engine/appliance/protocol.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { randomToken, sha256 } from './secrets.js';

export type Session = { readonly role: 'admin'; readonly expires: number } | { readonly role: 'user'; readonly machineId: string; readonly expires: number };

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export class Sessions {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  create(role: 'admin' | 'user', machineId: string | null): { token: string; expires: number } {
    const token = randomToken();
    const now = this.clock.now();
    const expires = now + SESSION_TTL_MS;
    this.db.prepare('INSERT INTO sessions (hash, role, machine_id, created, expires) VALUES (?, ?, ?, ?, ?)').run(sha256(token), role, machineId, now, expires);
    return { token, expires };
  }

  /** The live session a bearer token names, or null (unknown, malformed or expired). */
  resolve(token: string): Session | null {
    if (!TOKEN.test(token)) return null;
    const r = this.db.prepare('SELECT role, machine_id, expires FROM sessions WHERE hash = ?').get(sha256(token)) as
      | { role: 'admin' | 'user'; machine_id: string | null; expires: number }
      | undefined;
    if (!r || r.expires <= this.clock.now()) return null;
    if (r.role === 'admin') return { role: 'admin', expires: r.expires };
    return r.machine_id === null ? null : { role: 'user', machineId: r.machine_id, expires: r.expires };
  }

  /** Ends the user sessions of one machine (its password changed: who logged in with the old one is out). */
  endUserSessions(machineId: string): number {
    return this.db.prepare("DELETE FROM sessions WHERE role = 'user' AND machine_id = ?").run(machineId).changes;
  }

  /** Forgets expired sessions; returns how many. */
  expire(): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires <= ?').run(this.clock.now()).changes;
  }
}
