// Repositories for the reliability scenarios: the run's template (test/globalSetup.ts), optionally
// re-parameterised with smaller packs and chunks so that a few MiB of data make many packs, and
// with them many points at which to crash or fault. The new config is signed as FORMAT.md §4 says,
// here written out again from the specification rather than taken from the engine.
import { createHmac } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { objectName } from '../../../src-main/engine/store/index.js';
import { openRepo } from '../../helpers/forge.js';
import { newRepo, type RepoFixture } from '../../helpers/repoFixture.js';

export interface RepoShape {
  readonly packSize: number;
  readonly chunker: { readonly min: number; readonly avg: number; readonly max: number };
}

/** Small packs (1 MiB, the least a config may say) and chunks of 16/64/256 KiB. */
export const SMALL: RepoShape = { packSize: 1 << 20, chunker: { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 } };

/** A fresh copy of the template repository with the given pack and chunk sizes. */
export async function shapedRepo(shape: RepoShape = SMALL): Promise<RepoFixture> {
  const f = newRepo();
  const repo = await openRepo(f);
  const old = repo.config;
  const body = { format: old.format, version: old.version, repoId: old.repoId, created: old.created,
    chunker: { min: shape.chunker.min, avg: shape.chunker.avg, max: shape.chunker.max }, packSize: shape.packSize };
  const mac = createHmac('sha256', repo.keys.config).update(JSON.stringify(body), 'utf8').digest('hex');
  repo.close();
  const bytes = Buffer.from(JSON.stringify({ ...body, mac }), 'utf8');
  for (const name of readdirSync(join(f.repo, 'config'))) rmSync(join(f.repo, 'config', name));
  writeFileSync(join(f.repo, 'config', objectName(bytes)), bytes);
  rmSync(join(f.home, 'catalogs'), { recursive: true, force: true });
  return f;
}

/** Names of a kind's objects in an fs repository, with their paths. */
export function objectsOf(repo: string, kind: string): { name: string; path: string }[] {
  return readdirSync(join(repo, kind), { recursive: true }).map(String)
    .filter((p) => /(^|\/)[0-9a-f]{64}$/.test(p))
    .map((p) => ({ name: p.slice(-64), path: join(repo, kind, p) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
