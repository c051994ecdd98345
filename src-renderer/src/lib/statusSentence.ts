// The one sentence at the top of the dashboard that says whether the files are safe.

import type { EngineLifecycle, EngineStatus } from '../../../src-main/ipc/contract.js';
import { formatBytes, formatCount, formatRelative } from './format.js';
import { translate, type Lang } from './strings.js';

export function errorText(lang: Lang, error: { message: string; messageFr: string }): string {
  return lang === 'fr' ? error.messageFr : error.message;
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

  switch (status.state) {
    case 'backing-up':
      return translate(lang, 'status.backingUp');
    case 'restoring':
      return translate(lang, 'status.restoring');
    case 'paused':
      return translate(lang, 'status.paused');
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
      return status.repo === null || status.lastBackup === null ? 'warn' : 'ok';
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
