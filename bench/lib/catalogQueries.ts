// The restore browser's queries, timed through the engine's own API (the calls the renderer makes
// over IPC): a page of a folder, a file's versions, a name search. The first call of each kind is
// reported apart (it may build an index or open the catalog); the others give median and p95.
// Shared by bench/ui/run.ts (a 100,000-entry folder) and the many-files series of bench/run.ts.
import type { EngineService } from '../../src-main/engine/service/index.js';
import { Sfc32 } from '../corpus/prng.js';

export type CatalogEngine = Pick<EngineService, 'browseSnapshots' | 'browseList' | 'fileVersions' | 'search'>;

export type QueryKind = 'list' | 'versions' | 'search';
export const QUERY_KINDS: readonly QueryKind[] = ['list', 'versions', 'search'];
export const QUERY_TITLES: Record<QueryKind, string> = {
  list: 'List a folder (a page of 200 entries)',
  versions: "A file's versions",
  search: 'Name search (200 hits at most)',
};

export interface QueryStats {
  /** timed calls after the first */
  n: number;
  firstMs: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

export interface CatalogQueryResults {
  list: QueryStats;
  versions: QueryStats;
  search: QueryStats;
  /** entries in the largest folder listed */
  largestFolderEntries: number;
  /** resident memory of the process running the engine, after the queries */
  rssBytes: number;
}

export interface CatalogProbe {
  /** absolute folder paths as backed up; pages are read at random offsets in each */
  folders: readonly string[];
  /** absolute file paths as backed up */
  files: readonly string[];
  /** search queries (parts of names) */
  searches: readonly string[];
  /** timed calls per kind after the first (folders and files are cycled) */
  rounds?: Partial<Record<QueryKind, number>>;
  seed?: string;
}

const PAGE = 200;

export function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] as number;
}

export function statsOf(firstMs: number, xs: readonly number[]): QueryStats {
  const r = (v: number): number => Math.round(v * 100) / 100;
  return { n: xs.length, firstMs: r(firstMs), medianMs: r(percentile(xs, 50)), p95Ms: r(percentile(xs, 95)), maxMs: r(xs.length ? Math.max(...xs) : 0) };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Times the three query kinds on the newest snapshot. Throws when the repository has no snapshot. */
export async function timeCatalogQueries(engine: CatalogEngine, probe: CatalogProbe): Promise<CatalogQueryResults> {
  const rng = new Sfc32(probe.seed ?? '1', 'catalog-queries');
  const rounds = { list: 50, versions: 30, search: 10, ...probe.rounds };
  const [snap] = await engine.browseSnapshots({});
  if (!snap) throw new Error('bench: the repository has no snapshot to browse');
  if (!probe.folders.length || !probe.files.length || !probe.searches.length) throw new Error('bench: catalog queries need folders, files and searches');

  const totals = new Map<string, number>();
  let total = 0;
  const firstList = await timed(async () => {
    const page = await engine.browseList({ snapshotId: snap.id, path: probe.folders[0] as string, offset: 0, limit: PAGE });
    total = page.total;
  });
  totals.set(probe.folders[0] as string, total);
  const lists: number[] = [];
  for (let k = 0; k < rounds.list; k++) {
    const folder = probe.folders[k % probe.folders.length] as string;
    const entries = totals.get(folder);
    const offset = entries === undefined ? 0 : rng.int(0, Math.max(0, entries - PAGE));
    lists.push(
      await timed(async () => {
        const page = await engine.browseList({ snapshotId: snap.id, path: folder, offset, limit: PAGE });
        totals.set(folder, page.total);
      }),
    );
  }

  const firstVersions = await timed(() => engine.fileVersions({ path: probe.files[0] as string }));
  const versions: number[] = [];
  for (let k = 0; k < rounds.versions; k++) {
    const file = probe.files[(k + 1) % probe.files.length] as string;
    versions.push(await timed(() => engine.fileVersions({ path: file })));
  }

  const firstSearch = await timed(() => engine.search({ query: probe.searches[0] as string, limit: PAGE }));
  const searches: number[] = [];
  for (let k = 0; k < rounds.search; k++) {
    const q = probe.searches[k % probe.searches.length] as string;
    searches.push(await timed(() => engine.search({ query: q, limit: PAGE })));
  }
  return {
    list: statsOf(firstList, lists),
    versions: statsOf(firstVersions, versions),
    search: statsOf(firstSearch, searches),
    largestFolderEntries: Math.max(...totals.values()),
    rssBytes: process.memoryUsage().rss,
  };
}
