import { describe, expect, it } from 'vitest';
import { DirtySet } from '../../../src-main/engine/jobs/backup/DirtySet.js';

describe('DirtySet: which folders a backup of a few changes lists again', () => {
  it('every folder above a changed path, and a changed folder itself; nothing beside them', () => {
    const d = new DirtySet(['/home/ana/Documents/2026/report.odt', '/home/ana/Pictures']);
    for (const dir of ['/', '/home', '/home/ana', '/home/ana/Documents', '/home/ana/Documents/2026', '/home/ana/Pictures']) expect(d.mustList(dir), dir).toBe(true);
    for (const dir of ['/home/ana/Music', '/home/ana/Documents/2025', '/home/bob', '/home/ana/Documents/2026/report.odt/x']) expect(d.mustList(dir), dir).toBe(false);
    expect(d.size).toBe(2);
    expect(d.has('/home/ana/Pictures')).toBe(true);
  });
});
