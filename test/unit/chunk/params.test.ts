import { describe, it, expect } from 'vitest';
import { DEFAULT_CHUNKER_PARAMS, validateChunkerParams } from '../../../src-main/engine/chunk/index.js';
import { isHavreError } from '../../../src-main/engine/errors/index.js';

function rejects(p: unknown): void {
  let err: unknown;
  try {
    validateChunkerParams(p);
  } catch (e) {
    err = e;
  }
  expect(isHavreError(err, 'REPO_CONFIG_INVALID'), `should reject ${JSON.stringify(p)}`).toBe(true);
}

describe('validateChunkerParams', () => {
  it('accepts the defaults (the values of FORMAT.md §4) and returns a copy', () => {
    expect(DEFAULT_CHUNKER_PARAMS).toEqual({ min: 262144, avg: 1048576, max: 4194304 });
    const p = validateChunkerParams({ ...DEFAULT_CHUNKER_PARAMS });
    expect(p).toEqual(DEFAULT_CHUNKER_PARAMS);
    expect(p).not.toBe(DEFAULT_CHUNKER_PARAMS);
    expect(validateChunkerParams({ min: 2048, avg: 8192, max: 65536 })).toEqual({ min: 2048, avg: 8192, max: 65536 });
  });

  it('refuses what is not three sane integers', () => {
    for (const p of [null, undefined, 42, 'x', [], {}, { min: 1, avg: 2 }]) rejects(p);
    rejects({ min: '262144', avg: 1048576, max: 4194304 });
    rejects({ min: 262144.5, avg: 1048576, max: 4194304 });
    rejects({ min: Number.NaN, avg: 1048576, max: 4194304 });
    rejects({ min: 262144, avg: 1048576, max: Number.POSITIVE_INFINITY });
    rejects({ min: -1, avg: 1048576, max: 4194304 });
    rejects({ ...DEFAULT_CHUNKER_PARAMS, window: 64 });
  });

  it('refuses an avg that is not a power of two, or out of bounds', () => {
    rejects({ min: 262144, avg: 1000000, max: 4194304 });
    rejects({ min: 64, avg: 128, max: 1024 });
    rejects({ min: 1 << 20, avg: 1 << 27, max: 1 << 28 });
  });

  it('refuses min >= avg, avg >= max, a tiny min or a huge max', () => {
    rejects({ min: 1048576, avg: 1048576, max: 4194304 });
    rejects({ min: 262144, avg: 1048576, max: 1048576 });
    rejects({ min: 4194304, avg: 1048576, max: 262144 });
    rejects({ min: 32, avg: 1024, max: 4096 });
    rejects({ min: 262144, avg: 1048576, max: 2 ** 29 });
  });
});
