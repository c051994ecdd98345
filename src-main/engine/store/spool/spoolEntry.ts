// The names of spool files: `<seq, 12 digits>.<op>.<kind>.<object name>`. The sequence number is
// the order the writes happened in, and so the order they are sent in.
import { OBJECT_KINDS, type ObjectKind } from '../Store.js';

export type SpoolOp = 'put' | 'del';

export interface SpoolEntry {
  readonly seq: number;
  readonly op: SpoolOp;
  readonly kind: ObjectKind;
  readonly name: string;
  readonly file: string;
  /** Bytes of a put; 0 for a deletion. */
  readonly size: number;
  /** When it was spooled (ms since the epoch). */
  readonly time: number;
}

const ENTRY = new RegExp(`^(\\d{12})\\.(put|del)\\.(${OBJECT_KINDS.join('|')})\\.([0-9a-f]{64})$`);
export const MAX_SEQ = 999_999_999_999;

export function entryFileName(seq: number, op: SpoolOp, kind: ObjectKind, name: string): string {
  return `${String(seq).padStart(12, '0')}.${op}.${kind}.${name}`;
}

/** The parts of a spool file name, or null for anything else (temp files, strangers). */
export function parseEntryFileName(file: string): { seq: number; op: SpoolOp; kind: ObjectKind; name: string } | null {
  const m = ENTRY.exec(file);
  if (!m) return null;
  return { seq: Number(m[1]), op: m[2] as SpoolOp, kind: m[3] as ObjectKind, name: m[4]! };
}

/**
 * What the spool says of one object after replaying its entries in order: 'put' (here, with its
 * entry), 'del' (a deletion waits) or null (the spool does not know it).
 */
export function spoolState(entries: readonly SpoolEntry[], kind: ObjectKind, name: string): SpoolEntry | null {
  let last: SpoolEntry | null = null;
  for (const e of entries) if (e.kind === kind && e.name === name) last = e;
  return last;
}
