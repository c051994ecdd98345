// The many-files series: a seeded tree of N small files (a million with --preset million), a full and
// a no-op backup by Havre, restic and borg to local folders (peak RSS of each), then the restore
// browser's queries on Havre's repository through the engine's own API, in this process.
import { join } from 'node:path';
import { generateManyFiles, loadManyFiles, type ManyFilesManifest } from '../corpus/manyFiles.js';
import { timeCatalogQueries, type CatalogQueryResults } from '../lib/catalogQueries.js';
import { log } from '../lib/util.js';
import { runSeries, type SeriesEnv } from '../series.js';
import type { ToolResult } from '../results.js';
import type { ToolName } from '../tools/types.js';
import { createEngineService } from '../../src-main/engine/service/index.js';

/** The fs tools: the many-files series measures the engines, not the stores. */
export const MANY_FILES_TOOLS: readonly ToolName[] = ['havre', 'restic', 'borg'];

export interface ManyFilesRun {
  manifest: ManyFilesManifest;
  reused: boolean;
  tools: ToolResult[];
  queries?: CatalogQueryResults;
  queriesError?: string;
}

async function queryHavre(env: SeriesEnv, home: string, corpusDir: string, m: ManyFilesManifest): Promise<CatalogQueryResults> {
  const engine = await createEngineService({ home, credentials: async () => ({ password: env.password }), protect: false, watcher: null, managePriority: false });
  try {
    const abs = (rel: string): string => join(corpusDir, rel);
    return await timeCatalogQueries(engine, {
      folders: m.samples.dirs.map(abs),
      files: m.samples.files.map(abs),
      searches: m.samples.names,
      seed: m.seed,
    });
  } finally {
    await engine.close();
  }
}

export async function runManyFiles(env: SeriesEnv, opts: { files: number; seed: string; tools: readonly ToolName[] }): Promise<ManyFilesRun> {
  const dir = join(env.work, 'million');
  let manifest = loadManyFiles(dir, opts.seed, opts.files);
  const reused = manifest !== null;
  if (manifest) log(`reusing the many-files tree kept in ${dir}`);
  else {
    log(`generating a tree of ${opts.files.toLocaleString('en-US')} files…`);
    manifest = generateManyFiles(dir, opts.seed, opts.files, log);
    log(`many-files tree: ${manifest.files.toLocaleString('en-US')} files in ${manifest.dirs.toLocaleString('en-US')} folders, ${(manifest.totalBytes / 2 ** 20).toFixed(0)} MiB, in ${(manifest.generationMs / 1000).toFixed(1)} s`);
  }
  const m = manifest;
  const corpusDir = join(dir, 'corpus');
  const out: ManyFilesRun = { manifest: m, reused, tools: [] };
  const tools = MANY_FILES_TOOLS.filter((t) => opts.tools.includes(t));
  out.tools = await runSeries(env, {
    name: 'million',
    tools,
    corpusDir,
    steps: ['init', 'backup', 'noop'],
    // no restore in this series: nothing to compare against
    tree: () => ({ listing: { files: [], dirs: [], others: [] }, bytes: m.totalBytes }),
    afterRun: async (results, dirsOf) => {
      const havre = results.get('havre');
      if (!havre) return;
      if (havre.steps.backup.status !== 'ok') {
        out.queriesError = 'Havre\'s full backup did not succeed';
        return;
      }
      log('million: timing the restore browser\'s queries on Havre\'s repository…');
      try {
        out.queries = await queryHavre(env, join(dirsOf('havre').stateDir, 'home'), corpusDir, m);
        out.queriesError = undefined;
        log(`million: queries ${JSON.stringify({ list: out.queries.list, versions: out.queries.versions, search: out.queries.search })}`);
      } catch (e) {
        out.queriesError = e instanceof Error ? e.message : String(e);
        log(`million: queries not measured: ${out.queriesError}`);
      }
    },
  });
  return out;
}
