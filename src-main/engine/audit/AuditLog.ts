// This machine's audit log of one repository (DECISIONS.md "Audit log"): a hash chain in its own
// SQLite file, each event MAC'd with a key from K_log and its file list sealed. The appliance's
// outbox is a view of it (appliance/eventOutbox.ts). Recording is best effort for the job that
// reports (a log that cannot be written never fails a backup), and says so on stderr.
import { userInfo } from 'node:os';
import { chainEvents, type ChainedEvent, type ChainHead } from '../appliance/protocol.js';
import { AuditStore, auditFile, type AuditEvent, type Checkpoint } from './AuditStore.js';
import { checkpointMac, deriveAuditKeys, eventMac, wipeAuditKeys, type AuditKeys } from './auditKeys.js';
import { readClock } from './clock.js';
import { listAad, openFileList, type FileListCollector, type SealedFileList } from './fileList.js';
import { verifyChain, type ChainReport } from './verifyChain.js';

/** Default local retention (DECISIONS.md): the references ask for 6 months at least. */
export const LOCAL_RETENTION_DAYS = 190;

type AuditListener = (repoId: string, e: AuditEvent) => void;
const listeners = new Set<AuditListener>();

/** Told of every event this process records (the engine's alerts); returns the unsubscribe. */
export function onAuditEvent(l: AuditListener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export class AuditLog {
  private readonly keys: AuditKeys | null;

  private constructor(readonly repoId: string, private readonly store: AuditStore, kLog: Buffer | null, private readonly now: () => Date) {
    this.keys = kLog ? deriveAuditKeys(kLog) : null;
    // A log adopted from the earlier outbox starts at a checkpoint no key vouched for: the first
    // open with K_log vouches for it (its events are on the appliance, which checked their chain).
    if (this.keys && store.meta('adopted') === '1') {
      const c = store.checkpoint();
      store.prune({ ...c, mac: checkpointMac(this.keys.mac, repoId, c.seq, c.hash) });
      store.setMeta('adopted', '0');
    }
  }

  /** `kLog` null: events can still be added (a failed password) but carry no MAC and no file list. */
  static open(home: string, repoId: string, kLog: Buffer | null, now: () => Date = () => new Date()): AuditLog {
    return new AuditLog(repoId, AuditStore.open(auditFile(home, repoId)), kLog, now);
  }

  get file(): string {
    return this.store.file;
  }

  get hasKey(): boolean {
    return this.keys !== null;
  }

  close(): void {
    if (this.keys) wipeAuditKeys(this.keys);
    this.store.close();
  }

  /** Appends one event. `fields` must hold no path or file name: those go in `files`, sealed. */
  record(type: string, fields: Record<string, unknown>, files?: FileListCollector): AuditEvent {
    const time = this.now().toISOString();
    const keys = this.keys;
    const e = this.store.appendAfterHead((head) => {
      const seq = head.seq + 1;
      const sealed = files && keys && files.count > 0 ? { files: files.seal(keys, listAad(this.repoId, seq, time, type)) } : {};
      const count = files && !keys ? { fileCount: files.count } : {};
      const data = { ...fields, ...count, ...sealed, by: currentUser(), clock: readClock() };
      const [e] = chainEvents(head, [{ time, type, data }]);
      return { ...e!, mac: keys ? eventMac(keys.mac, this.repoId, e!.hash) : null };
    });
    for (const l of listeners) {
      try {
        l(this.repoId, e);
      } catch {
        // a listener's failure is its own
      }
    }
    return e;
  }

  /** When `job` last completed (job.done), in ms; null if never in the kept log. */
  lastDone(job: string): number | null {
    return this.store.lastOf('job.done', job);
  }

  /** When the log starts (its first kept event), in ms; null when empty. */
  firstTime(): number | null {
    const e = this.store.events().at(0);
    return e ? Date.parse(e.time) : null;
  }

  head(): ChainHead {
    return this.store.head();
  }

  checkpoint(): Checkpoint {
    return this.store.checkpoint();
  }

  /** A checkpoint at `seq` (an export that starts later); MAC'd when the key is here. */
  checkpointAt(seq: number, hash: string): Checkpoint {
    return { seq, hash, time: null, mac: this.keys ? checkpointMac(this.keys.mac, this.repoId, seq, hash) : null };
  }

  events(sinceSeq = -1): AuditEvent[] {
    return this.store.events(sinceSeq);
  }

  verify(): ChainReport {
    return verifyChain(this.repoId, this.store.checkpoint(), this.store.events(), this.keys?.mac ?? null);
  }

  /** The paths an event's sealed list holds (empty without one); AUDIT_LOG_DAMAGED if it was altered. */
  filesOf(e: AuditEvent): string[] {
    const list = e.data.files as SealedFileList | undefined;
    if (!list || !this.keys) return [];
    return openFileList(this.keys.files, list, listAad(this.repoId, e.seq, e.time, e.type), e.seq);
  }

  /** Starts an empty log from events of an earlier outbox (appliance/eventOutbox.ts: migrateOutbox). */
  adopt(events: readonly ChainedEvent[]): void {
    const first = events[0]!;
    this.store.prune({ seq: first.seq - 1, hash: first.prev, time: null, mac: null });
    this.store.setMeta('adopted', '1');
    for (const e of events) this.store.appendAfterHead(() => ({ ...e, mac: null }));
  }

  /** Appliance outbox: the last acknowledged seq. */
  acked(): number {
    return this.store.acked();
  }

  setAcked(seq: number): void {
    this.store.setAcked(seq);
  }

  /**
   * Drops events older than `retentionDays`, never one the appliance has not acknowledged
   * (`keepFrom`), and MACs a checkpoint where the kept chain starts so it stays verifiable.
   * Needs K_log; returns how many were dropped.
   */
  prune(retentionDays = LOCAL_RETENTION_DAYS, keepFrom = Number.POSITIVE_INFINITY): number {
    if (!this.keys) return 0;
    const cutoff = this.now().getTime() - retentionDays * 86_400_000;
    let last: AuditEvent | null = null;
    for (const e of this.store.events()) {
      if (Date.parse(e.time) >= cutoff || e.seq >= keepFrom) break;
      last = e;
    }
    if (!last) return 0;
    return this.store.prune({ seq: last.seq, hash: last.hash, time: last.time, mac: checkpointMac(this.keys.mac, this.repoId, last.seq, last.hash) });
  }
}
