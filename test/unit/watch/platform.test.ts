import { describe, expect, it } from 'vitest';
import { HavreError } from '../../../src-main/engine/errors/index.js';
import { classifyParcelError } from '../../../src-main/engine/watch/parcel.js';
import { defaultOverflowBurst, parcelBackend, suggestedWatchLimit } from '../../../src-main/engine/watch/platform.js';

describe('what parcel’s messages mean', () => {
  const cases: [string, string][] = [
    ["inotify_add_watch on '/home/ana/x' failed: No space left on device", 'limit'],
    ['Events were dropped by the kernel. File system must be re-scanned.', 'overflow'],
    ['Buffer overflow. Some events may have been lost.', 'overflow'],
    ['No such file or directory', 'gone'],
    ['Not a directory', 'gone'],
    ["inotify_add_watch on '/home/ana/d' failed: No such file or directory", 'gone'],
    ['Permission denied', 'other'],
    ['Unable to initialize inotify: Too many open files', 'other'],
  ];
  for (const [msg, kind] of cases) it(`"${msg}" → ${kind}`, () => expect(classifyParcelError(new Error(msg)).kind).toBe(kind));
  it('takes a non-Error too', () => expect(classifyParcelError('weird').kind).toBe('other'));
});

describe('platform choices', () => {
  it('names parcel’s backend on every platform (never watchman by default)', () => {
    expect(parcelBackend('linux')).toBe('inotify');
    expect(parcelBackend('darwin')).toBe('fs-events');
    expect(parcelBackend('win32')).toBe('windows');
    expect(parcelBackend('freebsd')).toBe('brute-force');
  });
  it('suggests at least 524288 watches, or double the current limit', () => {
    expect(suggestedWatchLimit(8192)).toBe(524_288);
    expect(suggestedWatchLimit(1_000_000)).toBe(2_000_000);
    expect(suggestedWatchLimit(null)).toBe(524_288);
  });
  it('counts half the kernel queue as a burst that may have overflowed', () => {
    expect(defaultOverflowBurst({ maxUserWatches: 1, maxQueuedEvents: 16384 })).toBe(8192);
    expect(defaultOverflowBurst({ maxUserWatches: 1, maxQueuedEvents: null })).toBe(8192);
    expect(defaultOverflowBurst({ maxUserWatches: 1, maxQueuedEvents: 100 })).toBe(1024);
  });
  it('every watch error reads in English and French, with the exact sysctl for the limit', () => {
    const e = new HavreError('WATCH_LIMIT', { root: '/home/ana', limit: 8192, suggested: 524288 });
    expect(e.userMessage('en')).toContain('sysctl -w fs.inotify.max_user_watches=524288');
    expect(e.userMessage('fr')).toContain('sysctl -w fs.inotify.max_user_watches=524288');
    expect(e.userMessage('fr')).toContain('analyses périodiques');
    for (const code of ['WATCH_OVERFLOW', 'WATCH_ROOT_GONE', 'WATCH_FAILED'] as const) {
      const m = new HavreError(code, { root: '/r', reason: 'x', retrySeconds: 60 });
      expect(m.userMessage('en')).not.toMatch(/\{\w+\}/);
      expect(m.userMessage('fr')).not.toMatch(/\{\w+\}/);
    }
  });
});
