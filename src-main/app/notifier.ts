// Which OS notifications the app shows: every failure of a job the user started, the first failure
// of continuous protection (not one a minute), the engine restarting or failing for good, and the
// successes the user asked to see — the jobs they started themselves ("Back up now", a restore).
// IT's policy may narrow this (notifications.level): `failures` drops the successes, `none` shows
// nothing (the tray still shows the state). Pure decisions; main.ts shows them with Electron's Notification.

import type { NotificationLevel } from '../engine/policy/index.js';
import type { AlertEvent, EngineLifecycle, JobResult } from '../ipc/contract.js';
import { fill, MAIN_STRINGS, type Lang } from './strings.js';

export interface Notice {
  title: string;
  body: string;
}

export class Notifier {
  private readonly requested = new Set<string>();
  /** The last failure code of continuous protection told, so a failing schedule is told once. */
  private lastBackgroundFailure: string | null = null;
  private lastLifecycle: EngineLifecycle['state'] | null = null;

  constructor(private readonly lang: () => Lang, private readonly level: () => NotificationLevel = () => 'all') {}

  /** A job the user started from the window or the tray: its success will be told too. */
  requestedJob(jobId: string): void {
    this.requested.add(jobId);
  }

  onResult(r: JobResult): Notice | null {
    const notice = this.decideResult(r);
    if (!notice || this.level() === 'none' || (r.ok && this.level() === 'failures')) return null;
    return notice;
  }

  private decideResult(r: JobResult): Notice | null {
    const t = MAIN_STRINGS[this.lang()].notify;
    const asked = this.requested.delete(r.jobId);
    const files = new Intl.NumberFormat(this.lang()).format(r.summary.files);
    if (r.ok) {
      if (!asked) {
        this.lastBackgroundFailure = null;
        return null;
      }
      return { title: 'Havre', body: fill(r.kind === 'backup' ? t.backupDone : t.restoreDone, { files }) };
    }
    const message = r.error ? (this.lang() === 'fr' ? r.error.messageFr : r.error.message) : '';
    if (!asked) {
      const code = r.error?.code ?? 'INTERNAL';
      if (code === this.lastBackgroundFailure) return null;
      this.lastBackgroundFailure = code;
    }
    return { title: 'Havre', body: fill(r.kind === 'backup' ? t.backupFailed : t.restoreFailed, { message }) };
  }

  /**
   * The engine's alerts (issue 7): a virus, a backup overdue, damage found, a copy that failed.
   * Failed backups and restores are already told from their results (onResult), so not twice.
   */
  onAlert(a: AlertEvent): Notice | null {
    if (a.kind === 'backup-failed' || a.kind === 'restore-failed' || this.level() === 'none') return null;
    return { title: 'Havre', body: this.lang() === 'fr' ? a.messageFr : a.message };
  }

  onLifecycle(l: EngineLifecycle): Notice | null {
    const t = MAIN_STRINGS[this.lang()].notify;
    const before = this.lastLifecycle;
    this.lastLifecycle = l.state;
    if (this.level() === 'none') return null;
    if (l.state === 'failed' && before !== 'failed') return { title: 'Havre', body: t.engineFailed };
    if (l.state === 'restarting' && before === 'running') return { title: 'Havre', body: t.engineRestarted };
    return null;
  }
}
