// Search by name across every version: the history index's names, folded (case and accents aside)
// into one string in memory, scanned with indexOf. About 25 bytes per name, built when a search
// first needs it and dropped with its session; the names stay sealed on disk (NamePages).

/** Case, accents and compatibility forms aside: "Élève" and "eleve" match, as people expect. */
export function foldName(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** Matches considered before ranking; past this, the result says it was cut. */
const MAX_CANDIDATES = 20_000;
const SEP = '\u0000'; // never in a name

interface Candidate {
  pid: number;
  /** 0 the whole name, 1 its start, 2 a word's start, 3 anywhere. */
  rank: number;
  length: number;
}

/** One block of names, folded into one string. */
class Segment {
  private constructor(
    private readonly text: string,
    /** Where each name starts in `text`. */
    private readonly starts: Int32Array,
    private readonly pids: Int32Array,
    private readonly lengths: Int32Array,
  ) {}

  static build(entries: Iterable<readonly [number, string]>): Segment {
    const parts: string[] = [];
    const pids: number[] = [];
    for (const [pid, name] of entries) {
      pids.push(pid);
      parts.push(foldName(name));
    }
    const starts = new Int32Array(parts.length);
    const lengths = new Int32Array(parts.length);
    let at = 1;
    for (let i = 0; i < parts.length; i++) {
      starts[i] = at;
      lengths[i] = parts[i]!.length;
      at += parts[i]!.length + 1;
    }
    return new Segment(SEP + parts.join(SEP) + SEP, starts, Int32Array.from(pids), lengths);
  }

  get size(): number {
    return this.pids.length;
  }

  get maxPid(): number {
    return this.pids.length === 0 ? 0 : this.pids[this.pids.length - 1]!;
  }

  /** The name that holds text offset `at`. */
  private nameAt(at: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Adds the names holding `q` to `out`; false once `out` is full. */
  collect(q: string, out: Candidate[]): boolean {
    for (let at = this.text.indexOf(q); at !== -1; ) {
      const i = this.nameAt(at);
      const start = this.starts[i]!;
      const length = this.lengths[i]!;
      const before = this.text[at - 1] ?? SEP;
      const rank = length === q.length ? 0 : at === start ? 1 : /[\p{L}\p{N}]/u.test(before) ? 3 : 2;
      out.push({ pid: this.pids[i]!, rank, length });
      if (out.length >= MAX_CANDIDATES) return false;
      at = this.text.indexOf(q, start + length);
    }
    return true;
  }
}

/** Every name of a history index, in segments: names only ever get added, so new ones make a new segment. */
export class NameIndex {
  private readonly segments: Segment[] = [];
  private max = 0;

  /** The highest path id taken in. */
  get maxPid(): number {
    return this.max;
  }

  get size(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  /** Takes in names (path ids above maxPid, in increasing order). */
  add(entries: Iterable<readonly [number, string]>): void {
    const seg = Segment.build(entries);
    if (seg.size === 0) return;
    this.segments.push(seg);
    this.max = Math.max(this.max, seg.maxPid);
  }

  /**
   * Path ids whose name contains `query`, best first: the whole name, then names starting with it,
   * then a word starting with it, then anywhere; shorter names first within each.
   */
  search(query: string, limit: number): { pids: number[]; truncated: boolean } {
    const q = foldName(query).trim();
    if (q.length === 0 || q.includes(SEP)) return { pids: [], truncated: false };
    const found: Candidate[] = [];
    let complete = true;
    for (const seg of this.segments) {
      complete = seg.collect(q, found);
      if (!complete) break;
    }
    found.sort((a, b) => a.rank - b.rank || a.length - b.length || a.pid - b.pid);
    return { pids: found.slice(0, limit).map((f) => f.pid), truncated: !complete || found.length > limit };
  }
}
