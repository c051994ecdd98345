// Closing the restore browser stops a history index build under way (quitting must not wait for
// one: 17 s on a million files), and the next reader builds the index whole: the same rows as a
// build from nothing, and the same answers.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { History } from '../../../src-main/engine/browse/history/History.js';
import { Repository, type Repository as Repo } from '../../../src-main/engine/repo/index.js';
import { openRepo } from '../../helpers/forge.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';

describe('history index build stopped by a closing reader', () => {
  let f: RepoFixture;
  let src: string;
  let repo: Repo;

  beforeAll(async () => {
    f = newRepo();
    src = join(f.dir, 'src');
    // More nodes than the indexer handles between two yields (5,000), so a stop lands mid-build.
    for (let d = 0; d < 12; d++) {
      mkdirSync(join(src, `d${d}`), { recursive: true });
      for (let i = 0; i < 500; i++) writeFileSync(join(src, `d${d}`, `f${i}.txt`), `${d}/${i}`);
    }
    const r = await f.havre(['backup', src]);
    expect(r.code, r.stderr).toBe(0);
    repo = await openRepo(f);
  }, 120_000);

  afterAll(() => {
    repo?.close();
    f?.cleanup();
  });

  const pathRows = (): number => {
    const db = new Database(Repository.catalogFile(f.home, repo.config.repoId), { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM history_paths').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('ends the build at its next yield, with no snapshot indexed', async () => {
    const history = new History(repo);
    const run = history.update();
    history.stop();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(repo.catalog.history.snapshots()).toEqual([]);
    await expect(history.update()).rejects.toMatchObject({ name: 'AbortError' }); // a stopped reader starts nothing
  });

  it('lets the next reader build it whole: the same index as a build from nothing, and the same answers', async () => {
    const next = new History(repo);
    expect(await next.update()).toBe(1);
    const taken = pathRows();
    const file = join(src, 'd7', 'f123.txt');
    const pid = next.lookup(file);
    expect(pid).not.toBeNull();
    expect(next.versions(pid!, next.timeline()).versions).toHaveLength(1);

    next.reset();
    expect(await next.update()).toBe(1);
    expect(pathRows()).toBe(taken);
    expect(next.versions(next.lookup(file)!, next.timeline()).versions).toHaveLength(1);
  });
});
