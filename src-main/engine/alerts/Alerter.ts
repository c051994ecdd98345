// Turns what happens into OS notifications, without flooding (issue 7): every audit event this
// process records goes through alertFor; a condition that lasts (a backup failing run after run,
// no backup completed for a day) is said again at most once per `repeatMs` (a day), with the same
// id, so the app replaces its notification. `check()` is the watchdog the service runs hourly:
// it is what makes days of failing backups impossible to miss, whatever the failure.
import type { AlertEvent } from '../../ipc/contract.js';
import { AuditLog, onAuditEvent } from '../audit/index.js';
import { alertFor, overdueAlert, OVERDUE_AFTER_MS } from './alertFor.js';

export interface AlerterOptions {
  readonly home: string;
  readonly repoId: string;
  readonly emit: (a: AlertEvent) => void;
  readonly now?: () => number;
  readonly repeatMs?: number;
  readonly overdueAfterMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

export class Alerter {
  private readonly said = new Map<string, { at: number; code: string | undefined }>();
  private readonly unsubscribe: () => void;
  private readonly started: number;
  /** A backup completed in this process, on this process's clock. */
  private lastOkSeen: number | null = null;

  constructor(private readonly opts: AlerterOptions) {
    this.started = this.now();
    this.unsubscribe = onAuditEvent((repoId, e) => {
      if (repoId !== opts.repoId) return;
      const a = alertFor(e);
      if (a) this.say(a);
      // A completed backup ends the conditions it answers.
      if (e.type === 'job.done' && e.data.job === 'backup') {
        this.lastOkSeen = this.now();
        this.said.delete('backup-failed');
        this.said.delete('backup-overdue');
      }
    });
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  close(): void {
    this.unsubscribe();
  }

  /** Emits `a` unless the same condition was said less than repeatMs ago with the same code. */
  private say(a: AlertEvent): void {
    const last = this.said.get(a.id);
    const now = this.now();
    if (last && last.code === a.code && now - last.at < (this.opts.repeatMs ?? DAY_MS)) return;
    this.said.set(a.id, { at: now, code: a.code });
    this.opts.emit(a);
  }

  /** The watchdog: is a backup overdue? Reads the audit log (no key needed). Returns the alert said, if any. */
  check(): AlertEvent | null {
    let lastOk: number | null;
    let since: number;
    try {
      const log = AuditLog.open(this.opts.home, this.opts.repoId, null);
      try {
        lastOk = maxOf(log.lastDone('backup'), this.lastOkSeen);
        since = Math.min(log.firstTime() ?? this.started, this.started);
      } finally {
        log.close();
      }
    } catch {
      // An unreadable log must not hide an overdue backup: count from this process's start.
      lastOk = this.lastOkSeen;
      since = this.started;
    }
    const a = overdueAlert(lastOk, since, this.now(), this.opts.overdueAfterMs ?? OVERDUE_AFTER_MS);
    if (!a) return null;
    const before = this.said.get(a.id);
    this.say(a);
    return this.said.get(a.id) !== before ? a : null;
  }
}
