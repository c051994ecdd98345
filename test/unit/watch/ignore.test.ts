import { describe, expect, it } from 'vitest';
import { compileIgnore } from '../../../src-main/engine/watch/ignore.js';

describe('compileIgnore', () => {
  const root = '/home/ana/Documents';
  const ig = compileIgnore(root, {
    paths: ['/home/ana/Documents/Private/'],
    globs: ['**/node_modules', '**/*.tmp', 'build', '.cache/**'],
    predicate: (p) => p.endsWith('.iso'),
  });

  it('excludes paths, everything below them, and nothing that merely starts the same', () => {
    expect(ig.matches('/home/ana/Documents/Private')).toBe(true);
    expect(ig.matches('/home/ana/Documents/Private/taxes.pdf')).toBe(true);
    expect(ig.matches('/home/ana/Documents/PrivateNotes.txt')).toBe(false);
  });

  it('matches globs against the path relative to the root, and excludes what is below a matched folder', () => {
    expect(ig.matches('/home/ana/Documents/app/node_modules')).toBe(true);
    expect(ig.matches('/home/ana/Documents/app/node_modules/left-pad/index.js')).toBe(true);
    expect(ig.matches('/home/ana/Documents/notes.tmp')).toBe(true);
    expect(ig.matches('/home/ana/Documents/build/out.o')).toBe(true); // anchored: only at the root
    expect(ig.matches('/home/ana/Documents/app/build/out.o')).toBe(false);
    expect(ig.matches('/home/ana/Documents/.cache/x')).toBe(true); // dot folders included
    expect(ig.matches('/home/ana/Documents/report.odt')).toBe(false);
  });

  it('applies the predicate last', () => {
    expect(ig.matches('/home/ana/Documents/disk.iso')).toBe(true);
  });

  it('gives parcel every glob for the root, and only root-independent ones below it', () => {
    expect(ig.parcelIgnore(root)).toEqual(['/home/ana/Documents/Private', '**/node_modules', '**/*.tmp', 'build', '.cache/**']);
    expect(ig.parcelIgnore('/home/ana/Documents/app')).toEqual(['/home/ana/Documents/Private', '**/node_modules', '**/*.tmp']);
  });

  it('refuses relative ignore paths (bad input)', () => {
    expect(() => compileIgnore(root, { paths: ['Private'] })).toThrow(/absolute/);
  });

  it('with nothing to ignore, ignores nothing', () => {
    const none = compileIgnore(root, undefined);
    expect(none.matches('/home/ana/Documents/a')).toBe(false);
    expect(none.parcelIgnore(root)).toEqual([]);
  });
});
