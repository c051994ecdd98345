// The names of the history index, sealed 256 to a page (AES-256-GCM under the repository's catalog
// key, the page number in the additional data): the catalog may hold names of files no longer on
// this disk, which must never land there in clear (DESIGN.md §6, invariant 1). Pages are decrypted
// on demand and a bounded number kept in memory.
import { open, seal } from '../../crypto/index.js';
import type { HistoryRows, HistoryWrite } from '../../catalog/index.js';
import { HavreError } from '../../errors/index.js';

export const NAMES_PER_PAGE = 256;
/** Clean pages kept decrypted (about 256 × 256 names). */
const CACHED_PAGES = 256;

function aad(page: number): Buffer {
  return Buffer.from(`havre/v1/catalog-names/${page}`, 'utf8');
}

export function sealNamePage(key: Buffer, page: number, names: readonly (string | null)[]): Buffer {
  return seal(key, Buffer.from(JSON.stringify(names), 'utf8'), aad(page));
}

/** The history index in this catalog cannot be read with this repository's key: it is rebuilt from the snapshots. */
export class HistoryIndexDamaged extends HavreError {
  constructor(what: string) {
    super('INTEGRITY', { what: `the restore browser's name index (${what})` });
  }
}

export function openNamePage(key: Buffer, page: number, sealed: Buffer): (string | null)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(open(key, sealed, aad(page), 'name page').toString('utf8'));
  } catch {
    throw new HistoryIndexDamaged(`page ${page}`);
  }
  if (!Array.isArray(parsed) || parsed.length > NAMES_PER_PAGE || !parsed.every((n) => n === null || typeof n === 'string')) {
    throw new HistoryIndexDamaged(`page ${page}`);
  }
  return parsed as (string | null)[];
}

export class NamePages {
  private readonly cache = new Map<number, (string | null)[]>();
  private readonly dirty = new Set<number>();

  constructor(private readonly rows: HistoryRows, private readonly key: Buffer) {}

  private load(page: number): (string | null)[] {
    let names = this.cache.get(page);
    if (names) {
      // Most recently used last, for the eviction below.
      this.cache.delete(page);
      this.cache.set(page, names);
      return names;
    }
    const sealed = this.rows.page(page);
    names = sealed ? openNamePage(this.key, page, sealed) : [];
    this.cache.set(page, names);
    this.evict();
    return names;
  }

  private evict(): void {
    if (this.cache.size <= CACHED_PAGES) return;
    for (const page of this.cache.keys()) {
      if (this.cache.size <= CACHED_PAGES) break;
      if (!this.dirty.has(page)) this.cache.delete(page);
    }
  }

  /** The name of a path id; INTEGRITY when the index does not hold it (a damaged catalog). */
  name(pid: number): string {
    const page = Math.floor(pid / NAMES_PER_PAGE);
    const n = this.load(page)[pid % NAMES_PER_PAGE];
    if (typeof n !== 'string') throw new HistoryIndexDamaged(`path ${pid}`);
    return n;
  }

  /** Records the name of a new path id (written at the next flush). */
  set(pid: number, name: string): void {
    const page = Math.floor(pid / NAMES_PER_PAGE);
    const names = this.load(page);
    while (names.length <= pid % NAMES_PER_PAGE) names.push(null);
    names[pid % NAMES_PER_PAGE] = name;
    this.dirty.add(page);
  }

  /** The sealed pages changed since the last flush, as writes for HistoryRows.apply. */
  flush(): HistoryWrite[] {
    const writes: HistoryWrite[] = [];
    for (const page of this.dirty) writes.push({ op: 'page', page, sealed: sealNamePage(this.key, page, this.cache.get(page) ?? []) });
    this.dirty.clear();
    this.evict();
    return writes;
  }

  /** Forgets unsaved names and every page in memory (a failed run, or an index cleared). */
  discard(): void {
    this.cache.clear();
    this.dirty.clear();
  }

  /** The names of path ids ≥ `from`, by path id (for the search table): each page opened once. */
  *from(from: number): IterableIterator<[number, string]> {
    for (const { page, sealed } of this.rows.pagesFrom(Math.floor(from / NAMES_PER_PAGE))) {
      const names = this.dirty.has(page) ? (this.cache.get(page) ?? []) : openNamePage(this.key, page, sealed);
      for (let i = 0; i < names.length; i++) {
        const n = names[i];
        const pid = page * NAMES_PER_PAGE + i;
        if (typeof n === 'string' && pid >= from) yield [pid, n];
      }
    }
  }
}
