// POST /v1/machine/heartbeat (PROTOCOL.md §7): a machine reports its status and configuration
// every HEARTBEAT_SECONDS; hearing from it ends a MACHINE_SILENT alert.
import type { HeartbeatResponse } from '../../src-main/engine/appliance/protocol.js';
import { HEARTBEAT_SECONDS, parseHeartbeatRequest } from '../../src-main/engine/appliance/protocol.js';
import type { Alerts } from '../alerts/Alerts.js';
import type { Clock } from '../clock.js';
import { iso } from '../clock.js';
import type { Db } from '../db/database.js';
import type { MachineRecord } from './Machines.js';

export class Heartbeats {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly alerts: Alerts,
  ) {}

  record(m: MachineRecord, body: unknown): HeartbeatResponse {
    const req = parseHeartbeatRequest(body);
    const now = this.clock.now();
    this.db.prepare('UPDATE machines SET last_seen = ?, last_status = ?, last_config = ? WHERE id = ?').run(now, JSON.stringify(req.status), JSON.stringify(req.config), m.id);
    this.alerts.resolve('MACHINE_SILENT', m.id);
    return { time: iso(now), nextSeconds: HEARTBEAT_SECONDS };
  }
}
