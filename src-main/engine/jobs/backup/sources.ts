import { resolve, sep } from 'node:path';

/** A virtual folder of the snapshot's root tree (FORMAT.md §9): either a source, or a parent of sources. */
export interface SourceNode {
  readonly children: Map<string, SourceNode>;
  source?: string;
}

/** Absolute, de-duplicated sources; a source inside another is dropped (the outer one covers it). */
export function normaliseSources(paths: readonly string[]): string[] {
  const abs = [...new Set(paths.map((p) => resolve(p)))].sort();
  return abs.filter((p) => !abs.some((q) => q !== p && (q === sep || p.startsWith(q + sep))));
}

export function splitComponents(abs: string): string[] {
  return abs.split(/[\\/]+/).filter((c) => c.length > 0);
}

export function sourceTree(sources: readonly string[]): SourceNode {
  const root: SourceNode = { children: new Map() };
  for (const src of sources) {
    let node = root;
    for (const c of splitComponents(src)) {
      let next = node.children.get(c);
      if (!next) {
        next = { children: new Map() };
        node.children.set(c, next);
      }
      node = next;
    }
    node.source = src;
  }
  return root;
}

/** True when `path` is `dir` or inside it. */
export function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}
