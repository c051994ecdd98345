import { describe, expect, it } from 'vitest';
import { isHavreError } from '../../../src-main/engine/errors/index.js';
import { kindPrefix, nameFromKey, normalisePrefix, objectKey, probeKey } from '../../../src-main/engine/store/s3/objectKeys.js';

const NAME = 'ab'.repeat(32);
const OTHER = 'cd'.repeat(32);

function usage(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    return isHavreError(e, 'USAGE');
  }
}

describe('S3 key layout (docs/FORMAT.md §1)', () => {
  it('puts kinds in folders and fans packs out by their first two characters', () => {
    expect(objectKey('', 'config', NAME)).toBe(`config/${NAME}`);
    expect(objectKey('', 'snapshots', NAME)).toBe(`snapshots/${NAME}`);
    expect(objectKey('havre/pc1/', 'index', NAME)).toBe(`havre/pc1/index/${NAME}`);
    expect(objectKey('havre/pc1/', 'data', NAME)).toBe(`havre/pc1/data/ab/${NAME}`);
    expect(kindPrefix('p/', 'data')).toBe('p/data/');
    expect(probeKey('p/', '0f'.repeat(16))).toBe(`p/probe/${'0f'.repeat(16)}`);
  });

  it('refuses names that are not 64 lowercase hex characters', () => {
    expect(() => objectKey('', 'data', '../../etc')).toThrow(/Integrity/);
    expect(() => objectKey('', 'keys', NAME.toUpperCase())).toThrow(/Integrity/);
  });
});

describe('prefix normalisation', () => {
  it('gives "" or segments ending with exactly one slash', () => {
    expect(normalisePrefix('')).toBe('');
    expect(normalisePrefix('havre')).toBe('havre/');
    expect(normalisePrefix('havre/pc-1')).toBe('havre/pc-1/');
    expect(normalisePrefix('havre/pc-1///')).toBe('havre/pc-1/');
    expect(normalisePrefix('équipe compta/poste 3/')).toBe('équipe compta/poste 3/');
  });

  it('refuses leading slashes, empty, "." and ".." segments, backslashes and control characters', () => {
    for (const bad of ['/havre', '/', '//', 'a//b', 'a/./b', 'a/../b', '..', '../x', 'a\\b', 'a\nb', 'a\u0000b', 'x'.repeat(901)]) {
      expect(usage(() => normalisePrefix(bad)), JSON.stringify(bad)).toBe(true);
    }
  });
});

describe('listed keys back to names', () => {
  it('keeps only our objects, in their place', () => {
    expect(nameFromKey('p/', 'index', `p/index/${NAME}`)).toBe(NAME);
    expect(nameFromKey('p/', 'data', `p/data/ab/${NAME}`)).toBe(NAME);
    expect(nameFromKey('', 'data', `data/ab/${NAME}`)).toBe(NAME);
  });

  it('ignores strangers: wrong fan-out, wrong kind or prefix, nested, upper case, temp files', () => {
    const ignored = [
      `p/data/cd/${NAME}`, // in the wrong fan-out folder
      `p/data/${NAME}`, // packs are never at the top
      `p/data/ab/${NAME}/x`,
      `p/index/ab/${NAME}`,
      `p/index/${NAME.toUpperCase()}`,
      `p/index/${NAME}.tmp`,
      `p/index/.tmp-123`,
      `q/index/${NAME}`,
      `p/snapshots/${OTHER}`, // another kind than asked
      `p/index/`,
    ];
    for (const key of ignored) expect(nameFromKey('p/', key.includes('/data/') ? 'data' : 'index', key), key).toBeNull();
  });
});
