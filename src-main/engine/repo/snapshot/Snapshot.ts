import { HavreError } from '../../errors/index.js';
import { DOC_KIND, openDocument, sealDocument } from '../document.js';

export interface SnapshotSummary {
  files: number;
  dirs: number;
  bytes: number;
  addedBytes: number;
  unreadable: number;
}

/** The snapshot document of FORMAT.md §9. */
export interface Snapshot {
  readonly version: 1;
  readonly time: string;
  readonly tree: string;
  readonly paths: string[];
  readonly hostname: string;
  readonly username: string;
  readonly tags: string[];
  readonly parent: string | null;
  readonly summary: SnapshotSummary;
  readonly program: string;
}

const ID = /^[0-9a-f]{64}$/;

export function encodeSnapshot(s: Snapshot, encKey: Buffer): Buffer {
  return sealDocument(DOC_KIND.snapshot, Buffer.from(JSON.stringify(s), 'utf8'), encKey, true);
}

export function decodeSnapshot(bytes: Buffer, encKey: Buffer, name: string): Snapshot {
  const what = `snapshot ${name.slice(0, 8)}`;
  const plain = openDocument(DOC_KIND.snapshot, bytes, encKey, what);
  let d: unknown;
  try {
    d = JSON.parse(plain.toString('utf8'));
  } catch {
    throw new HavreError('INTEGRITY', { what });
  }
  const o = d as Record<string, unknown>;
  const strArr = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const ok =
    typeof d === 'object' && d !== null && o.version === 1 && typeof o.time === 'string' && !Number.isNaN(Date.parse(o.time)) &&
    typeof o.tree === 'string' && ID.test(o.tree) && strArr(o.paths) && typeof o.hostname === 'string' &&
    typeof o.username === 'string' && strArr(o.tags) && (o.parent === null || (typeof o.parent === 'string' && ID.test(o.parent))) &&
    typeof o.program === 'string';
  if (!ok) throw new HavreError('INTEGRITY', { what: `${what} (malformed)` });
  // A clean copy: the summary's counts only, nothing else a forged snapshot might carry along.
  const s = o.summary as Record<string, unknown> | null;
  const count = (k: keyof SnapshotSummary): number => {
    const v = typeof s === 'object' && s !== null ? s[k] : undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new HavreError('INTEGRITY', { what: `${what} (summary.${k})` });
    return v;
  };
  const summary: SnapshotSummary = { files: count('files'), dirs: count('dirs'), bytes: count('bytes'), addedBytes: count('addedBytes'), unreadable: count('unreadable') };
  return { version: 1, time: o.time as string, tree: o.tree as string, paths: [...(o.paths as string[])], hostname: o.hostname as string,
    username: o.username as string, tags: [...(o.tags as string[])], parent: o.parent as string | null, summary, program: o.program as string };
}
