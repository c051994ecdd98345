// Each machine's hash-chained audit events (PROTOCOL.md §7). The appliance stores every event it
// receives and checks the chain as it goes: an event already stored (same seq and hash) is a
// duplicate; any other must follow the head (seq + 1, prev = head hash, a correct hash). A break
// is stored all the same, marked, alerted, and the chain continues from it: the log keeps what
// the machine said, and the break stays visible.
import type { ChainedEvent, ChainHead, EventsResponse } from '../../src-main/engine/appliance/protocol.js';
import { eventHash, GENESIS_HASH, parseEventsRequest } from '../../src-main/engine/appliance/protocol.js';
import type { Alerts } from '../alerts/Alerts.js';
import type { Clock } from '../clock.js';
import { iso } from '../clock.js';
import type { Db } from '../db/database.js';
import { machineLabel, type MachineRecord } from './Machines.js';

export interface StoredEvent extends ChainedEvent {
  readonly machineId: string;
  readonly chainOk: boolean;
  readonly received: string;
}

interface EventRow {
  machine_id: string;
  seq: number;
  time: string;
  type: string;
  data: string;
  prev: string;
  hash: string;
  chain_ok: number;
  received: number;
}

/** Why an event does not follow `head`, or null when it does. */
export function chainBreak(head: ChainHead, e: ChainedEvent): string | null {
  if (e.seq !== head.seq + 1) return `seq ${e.seq} does not follow ${head.seq}`;
  if (e.prev !== head.hash) return `event ${e.seq} does not point to the previous event’s hash`;
  if (eventHash(e) !== e.hash) return `event ${e.seq}’s hash does not match its content`;
  return null;
}

export class EventLog {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly alerts: Alerts,
  ) {}

  head(machineId: string): ChainHead {
    const r = this.db.prepare('SELECT event_seq, event_hash FROM machines WHERE id = ?').get(machineId) as { event_seq: number; event_hash: string } | undefined;
    return r ? { seq: r.event_seq, hash: r.event_hash } : { seq: 0, hash: GENESIS_HASH };
  }

  /** POST /v1/machine/events */
  push(m: MachineRecord, body: unknown): EventsResponse {
    const req = parseEventsRequest(body);
    const now = this.clock.now();
    return this.db.transaction((): EventsResponse => {
      let head = this.head(m.id);
      let accepted = 0;
      let duplicates = 0;
      const breaks: string[] = [];
      const isStored = this.db.prepare('SELECT 1 FROM events WHERE machine_id = ? AND seq = ? AND hash = ? LIMIT 1');
      const insert = this.db.prepare('INSERT INTO events (machine_id, seq, time, type, data, prev, hash, chain_ok, received) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
      for (const e of req.events) {
        if (isStored.get(m.id, e.seq, e.hash)) {
          duplicates++;
          continue;
        }
        const why = chainBreak(head, e);
        if (why) breaks.push(why);
        insert.run(m.id, e.seq, e.time, e.type, JSON.stringify(e.data), e.prev, e.hash, why ? 0 : 1, now);
        head = { seq: e.seq, hash: e.hash };
        accepted++;
        this.reportOn(m, e);
      }
      if (accepted > 0) this.db.prepare('UPDATE machines SET event_seq = ?, event_hash = ? WHERE id = ?').run(head.seq, head.hash, m.id);
      if (breaks.length > 0) {
        const more = breaks.length > 1 ? ` (and ${breaks.length - 1} more in the same batch)` : '';
        this.alerts.raise('CHAIN_BREAK', m.id, `The event log of ${machineLabel(m)} breaks: ${breaks[0]}${more}. Events may have been edited, removed or replayed on the machine.`, 'incident');
      }
      return { accepted, duplicates, chainOk: breaks.length === 0, head };
    }).immediate();
  }

  /**
   * The error reports IT receives (issue 7): a failed job is a condition (one open per machine,
   * closed by the next completed backup, so continuous protection's retries do not flood the
   * sinks); a verification that found damage and a virus are incidents, each its own alert.
   */
  private reportOn(m: MachineRecord, e: ChainedEvent): void {
    const d = e.data;
    const job = typeof d.job === 'string' ? d.job : '';
    const error = typeof d.error === 'string' ? d.error : 'unknown error';
    if (e.type === 'virus.found') {
      const sigs = Array.isArray(d.signatures) ? d.signatures.filter((s) => typeof s === 'string').slice(0, 10).join(', ') : '';
      this.alerts.raise('VIRUS_FOUND', m.id, `${machineLabel(m)}: the antivirus found ${typeof d.count === 'number' ? d.count : 'some'} infected file(s) (${sigs}); they were not backed up.`, 'incident');
    } else if (e.type === 'job.failed' && (job === 'verify' || job === 'restore-test')) {
      this.alerts.raise('VERIFY_FAILED', m.id, `${machineLabel(m)}: ${job === 'verify' ? 'the verification of its backups' : 'the automatic restore test'} failed (${error}) at ${e.time}.`, 'incident');
    } else if (e.type === 'job.failed' && error !== 'JOB_CANCELLED') {
      this.alerts.raise('JOB_FAILED', m.id, `${machineLabel(m)}: ${job || 'a job'} failed (${error}) at ${e.time}.`, 'condition');
    } else if (e.type === 'job.done' && job === 'backup') {
      this.alerts.resolve('JOB_FAILED', m.id);
    }
  }

  /** Drops events received before `before` (ms): retention (the chain head stays in `machines`). */
  prune(before: number): number {
    return this.db.prepare('DELETE FROM events WHERE received < ?').run(before).changes;
  }

  /** Newest first. */
  list(opts: { machineId?: string; limit?: number } = {}): StoredEvent[] {
    const rows = (
      opts.machineId
        ? this.db.prepare('SELECT * FROM events WHERE machine_id = ? ORDER BY id DESC LIMIT ?').all(opts.machineId, opts.limit ?? 1000)
        : this.db.prepare('SELECT * FROM events ORDER BY id DESC LIMIT ?').all(opts.limit ?? 1000)
    ) as EventRow[];
    return rows.map((r) => ({
      machineId: r.machine_id,
      seq: r.seq,
      time: r.time,
      type: r.type,
      data: JSON.parse(r.data) as Record<string, unknown>,
      prev: r.prev,
      hash: r.hash,
      chainOk: r.chain_ok === 1,
      received: iso(r.received),
    }));
  }
}
