// The one sentence at the top of the dashboard that says whether the files are safe.

import type { EngineLifecycle, EngineStatus, PauseState } from '../../../src-main/ipc/contract.js';
import { formatBytes, formatCount, formatRelative, formatTime } from './format.js';
import { translate, type Lang } from './strings.js';

export function errorText(lang: Lang, error: { message: string; messageFr: string }): string {
  return lang === 'fr' ? error.messageFr : error.message;
}

export function pauseSentence(lang: Lang, pause: PauseState, now: number): string {
  if (pause.reason !== 'user') return translate(lang, `status.waiting.${pause.reason}`);
  if (pause.until === null) return translate(lang, 'status.pausedUntilResumed');
  return translate(lang, 'status.pausedUntil', { until: formatTime(lang, pause.until, now) });
}

export function statusSentence(
  lang: Lang,
  status: EngineStatus | null,
  lifecycle: EngineLifecycle | null,
  now: number = Date.now(),
): string {
  if (lifecycle !== null && lifecycle.state === 'failed') {
    return lifecycle.error === undefined ? translate(lang, 'engine.failed') : errorText(lang, lifecycle.error);
  }
  if (lifecycle !== null && lifecycle.state === 'restarting') return translate(lang, 'engine.restarting');
  if (status === null) return translate(lang, lifecycle?.state === 'starting' ? 'engine.starting' : 'status.loading');
  const p = status.protection;

  switch (status.state) {
    case 'backing-up':
      return translate(lang, 'status.backingUp');
    case 'restoring':
      return translate(lang, 'status.restoring');
    case 'paused':
      return p?.pause ? pauseSentence(lang, p.pause, now) : translate(lang, 'status.paused');
    case 'locked':
      return translate(lang, 'status.locked');
    case 'error':
      return status.message !== undefined && status.message !== ''
        ? translate(lang, 'status.error', { message: status.message })
        : translate(lang, 'status.errorGeneric');
    case 'idle': {
      if (status.repo === null) return translate(lang, 'status.notSetUp');
      const last = status.lastBackup;
      if (last === null) return translate(lang, 'status.idleNever');
      if (p && p.pendingFiles > 0) {
        return translate(lang, 'status.pending', { files: formatCount(lang, p.pendingFiles), size: formatBytes(lang, p.pendingBytes),
          when: formatRelative(lang, last.time, now) });
      }
      if (p) return translate(lang, 'status.protected', { when: formatRelative(lang, last.time, now) });
      return translate(lang, 'status.idle', {
        when: formatRelative(lang, last.time, now),
        files: formatCount(lang, last.files),
        size: formatBytes(lang, last.bytes),
      });
    }
  }
}

/** 'ok' | 'busy' | 'warn' | 'bad': the colour of the status badge. */
export function statusTone(status: EngineStatus | null, lifecycle: EngineLifecycle | null): 'ok' | 'busy' | 'warn' | 'bad' {
  if (lifecycle?.state === 'failed') return 'bad';
  if (lifecycle?.state === 'restarting' || status === null) return 'warn';
  switch (status.state) {
    case 'idle':
      if (status.repo === null || status.lastBackup === null) return 'warn';
      return (status.protection?.warnings.length ?? 0) > 0 || (status.protection?.failedFiles ?? 0) > 0 ? 'warn' : 'ok';
    case 'backing-up':
    case 'restoring':
      return 'busy';
    case 'paused':
    case 'locked':
      return 'warn';
    case 'error':
      return 'bad';
  }
}
