import { describe, expect, it } from 'vitest';
import { compileGlob, Exclusions } from '../../../src-main/engine/settings/index.js';

const HOME = '/home/ana';
const g = (p: string, ci = false) => compileGlob(p, { home: HOME, caseInsensitive: ci });

describe('exclusion patterns', () => {
  it('a pattern without a slash matches a name at any depth; * and ? stay within a name', () => {
    expect(g('*.tmp').test('draft.tmp')).toBe(true);
    expect(g('*.tmp').test('draft.tmp.odt')).toBe(false);
    expect(g('~$*').test('~$report.docx')).toBe(true);
    expect(g('file?.txt').test('file1.txt')).toBe(true);
    expect(g('file?.txt').test('file12.txt')).toBe(false);
    expect(g('*.tmp').anchored).toBe(false);
  });

  it('a pattern with a slash matches a whole path; ~/ is the home; ** crosses folders; dir/** includes the folder', () => {
    expect(g('~/Downloads/**').test('/home/ana/Downloads')).toBe(true);
    expect(g('~/Downloads/**').test('/home/ana/Downloads/a/b.iso')).toBe(true);
    expect(g('~/Downloads/**').test('/home/ana/Downloads2')).toBe(false);
    expect(g('/data/**/*.iso').test('/data/x.iso')).toBe(true);
    expect(g('/data/**/*.iso').test('/data/a/b/x.iso')).toBe(true);
    expect(g('/data/*.iso').test('/data/a/x.iso')).toBe(false);
  });

  it('classes, negation that never crosses a slash, and case folding where the platform folds', () => {
    expect(g('[abc].txt').test('b.txt')).toBe(true);
    expect(g('[!abc].txt').test('d.txt')).toBe(true);
    expect(g('[!abc].txt').test('a.txt')).toBe(false);
    expect(g('/x/[!a]y').test('/x//y')).toBe(false);
    expect(g('Thumbs.db').test('THUMBS.DB')).toBe(false);
    expect(g('Thumbs.db', true).test('THUMBS.DB')).toBe(true);
    expect(g('a.(b)+').test('a.(b)+')).toBe(true); // regex characters are literal
  });

  it('refuses what is not a pattern', () => {
    for (const bad of ['', '  ', '/', '[abc', 'a[]b']) expect(() => g(bad), bad).toThrow();
  });

  it('Exclusions: defaults leave out caches, temporary files, trash and OS files; folder-only patterns spare files', () => {
    const ex = new Exclusions({ exclusions: ['*.iso', 'build/'], defaultExclusions: true, maxFileSizeMiB: 100 }, { home: HOME, platform: 'linux' });
    expect(ex.excludesEntry('/home/ana/.cache', true)).toBe(true);
    expect(ex.excludesEntry('/home/ana/Documents/.~lock.report.odt#', false)).toBe(true);
    expect(ex.excludesEntry('/home/ana/Documents/~$report.docx', false)).toBe(true);
    expect(ex.excludesEntry('/home/ana/.local/share/Trash', true)).toBe(true);
    expect(ex.excludesEntry('/home/ana/proj/node_modules', true)).toBe(true);
    expect(ex.excludesEntry('/home/ana/proj/node_modules', false)).toBe(false); // a file named so is kept
    expect(ex.excludesEntry('/home/ana/Documents/report.odt', false)).toBe(false);
    expect(ex.excludesEntry('/home/ana/disk.iso', false)).toBe(true);
    expect(ex.excludesEntry('/home/ana/proj/build', true)).toBe(true);
    expect(ex.excludesEntry('/home/ana/proj/build', false)).toBe(false);
    expect(ex.maxFileBytes).toBe(100 * 1024 * 1024);
    const none = new Exclusions({ exclusions: [], defaultExclusions: false, maxFileSizeMiB: null }, { home: HOME });
    expect(none.excludesEntry('/home/ana/.cache', true)).toBe(false);
    expect(none.maxFileBytes).toBeNull();
  });

  it('excludesPath looks at every folder between the watched root and the path', () => {
    const ex = new Exclusions({ exclusions: [], defaultExclusions: true, maxFileSizeMiB: null }, { home: HOME, platform: 'linux' });
    expect(ex.excludesPath('/home/ana/proj/node_modules/pkg/index.js', false, '/home/ana')).toBe(true);
    expect(ex.excludesPath('/home/ana/proj/src/index.js', false, '/home/ana')).toBe(false);
    expect(ex.excludesPath('/elsewhere/node_modules/x', false, '/home/ana')).toBe(false);
  });

  it('says which pattern is wrong', () => {
    expect(() => new Exclusions({ exclusions: ['ok', '[bad'], defaultExclusions: false, maxFileSizeMiB: null }, { home: HOME }))
      .toThrow(/exclusions: “\[bad” is not a valid pattern/);
  });
});
