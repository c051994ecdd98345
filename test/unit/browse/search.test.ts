// The restore browser's pure parts: name folding and ranking, folder sorting, previews' sniffing,
// the versions timeline of existing snapshots.
import { describe, expect, it } from 'vitest';
import { sortEntries } from '../../../src-main/engine/browse/BrowseSession.js';
import { Timeline } from '../../../src-main/engine/browse/history/Timeline.js';
import { asText, imageType } from '../../../src-main/engine/browse/preview.js';
import { foldName, NameIndex } from '../../../src-main/engine/browse/search/NameIndex.js';
import type { TreeEntry } from '../../../src-main/ipc/contract.js';

describe('name search', () => {
  it('folds case, accents and compatibility forms', () => {
    expect(foldName('Élève ÇA Ｆｕｌｌ ﬁchier')).toBe('eleve ca full fichier');
    expect(foldName('تقرير')).toBe('تقرير');
    expect(foldName('📸 Été')).toBe('📸 ete');
  });

  it('ranks the whole name, then its start, then a word, then anywhere; shorter first', () => {
    const index = new NameIndex();
    index.add([[1, 'compte-rendu rapport.txt'], [2, 'rapport'], [3, 'Rapport annuel.odt'], [4, 'brouillon-rapport.md'], [5, 'xrapporteur'], [6, 'autre']]);
    index.add([[7, 'RAPPORT.pdf']]);
    expect(index.search('rapport', 10).pids).toEqual([2, 7, 3, 4, 1, 5]);
    expect(index.search('RAPP', 2)).toEqual({ pids: [2, 7], truncated: true });
    expect(index.search('   ', 10)).toEqual({ pids: [], truncated: false });
    expect(index.search('a\u0000b', 10).pids).toEqual([]);
    expect(index.search('introuvable', 10).pids).toEqual([]);
    expect(index.size).toBe(7);
    expect(index.maxPid).toBe(7);
  });

  it('never matches across two names', () => {
    const index = new NameIndex();
    index.add([[1, 'abc'], [2, 'def']]);
    expect(index.search('cd', 10).pids).toEqual([]);
  });
});

describe('folder pages', () => {
  it('sort folders first, then names as people sort them', () => {
    const e = (name: string, type: TreeEntry['type'] = 'file'): TreeEntry => ({ name, type, size: 0, mtime: '' });
    const sorted = sortEntries([e('file 10'), e('b', 'dir'), e('File 2'), e('élan'), e('A', 'dir'), e('zèbre'), e('file 1')]).map((x) => x.name);
    expect(sorted).toEqual(['A', 'b', 'élan', 'file 1', 'File 2', 'file 10', 'zèbre']);
  });
});

describe('previews', () => {
  it('recognise images by their bytes, never SVG', () => {
    expect(imageType(Buffer.from('89504e470d0a1a0a0000', 'hex'))).toBe('image/png');
    expect(imageType(Buffer.from('ffd8ffe000104a46', 'hex'))).toBe('image/jpeg');
    expect(imageType(Buffer.from('GIF89a....'))).toBe('image/gif');
    expect(imageType(Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1'))).toBe('image/webp');
    expect(imageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg">'))).toBeNull();
    expect(imageType(Buffer.from('%PDF-1.7'))).toBeNull();
  });

  it('take UTF-8 text, a character cut at the end aside, and refuse binary', () => {
    expect(asText(Buffer.from('\ufeffBonjour, été\n'))).toBe('Bonjour, été\n');
    const cut = Buffer.from('élève 📸');
    expect(asText(cut.subarray(0, cut.length - 1))).toBe('élève ');
    expect(asText(Buffer.from([0x41, 0x00, 0x42]))).toBeNull();
    expect(asText(Buffer.from([0xff, 0xfe, 0x41]))).toBeNull();
    expect(asText(Buffer.from('tab\tand\r\nlines'))).toBe('tab\tand\r\nlines');
  });
});

describe('versions timeline', () => {
  const rows = [1, 2, 3, 4, 5].map((seq) => ({ seq, id: `s${seq}`, timeMs: seq, tree: Buffer.alloc(32) }));
  const times = new Map([['s1', 't1'], ['s2', 't2'], ['s4', 't4'], ['s5', 't5']]); // s3 forgotten

  it('tells a run of snapshots in those that still exist', () => {
    const t = new Timeline(rows, times);
    expect(t.run(1, 3)).toEqual({ first: { id: 's1', time: 't1' }, last: { id: 's2', time: 't2' }, count: 2 });
    expect(t.run(3, 3)).toBeNull();
    expect(t.run(4, null)).toEqual({ first: { id: 's4', time: 't4' }, last: { id: 's5', time: 't5' }, count: 2 });
    expect(t.newest).toEqual({ id: 's5', time: 't5' });
    expect(new Timeline([], new Map()).run(1, null)).toBeNull();
  });
});
