// Where objects live in a bucket (docs/FORMAT.md §1): `<prefix><kind>/<name>`, packs fanned out as
// `<prefix>data/<name[0:2]>/<name>` like the fs store, so a listing or a console view of one folder
// stays small. Pure functions: the one place that knows the layout.
import { HavreError } from '../../errors/index.js';
import { assertObjectName, isObjectName } from '../objectName.js';
import type { ObjectKind } from '../Store.js';

/** S3 keys are at most 1024 bytes; the longest suffix we add is `snapshots/` + 64 = 74 bytes. */
const MAX_PREFIX_BYTES = 900;

/**
 * '' or `seg/seg/`: no leading '/', no empty, '.' or '..' segment, no backslash or control
 * character, so the prefix means the same folder on every S3 implementation and in every console.
 */
export function normalisePrefix(prefix: string): string {
  const p = prefix.replace(/\/+$/, '');
  if (p === '') {
    if (prefix !== '') throw bad(prefix, 'it must not be only slashes');
    return '';
  }
  if (p.startsWith('/')) throw bad(prefix, 'it must not start with /');
  if (p.includes('\\')) throw bad(prefix, 'it must not contain a backslash');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) throw bad(prefix, 'it must not contain control characters');
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw bad(prefix, 'it must not contain empty, “.” or “..” segments');
  }
  if (Buffer.byteLength(p, 'utf8') > MAX_PREFIX_BYTES) throw bad(prefix, `it must be at most ${MAX_PREFIX_BYTES} bytes`);
  return `${p}/`;
}

function bad(prefix: string, why: string): HavreError {
  return new HavreError('USAGE', { detail: `the bucket prefix “${prefix.slice(0, 100)}” is not usable: ${why}` });
}

/** The folder of one kind: what ListObjectsV2 is asked for. */
export function kindPrefix(prefix: string, kind: ObjectKind): string {
  return `${prefix}${kind}/`;
}

export function objectKey(prefix: string, kind: ObjectKind, name: string): string {
  assertObjectName(kind, name);
  return kind === 'data' ? `${prefix}data/${name.slice(0, 2)}/${name}` : `${prefix}${kind}/${name}`;
}

/** The object name a listed key stands for, or null for anything that is not one of ours, in its place. */
export function nameFromKey(prefix: string, kind: ObjectKind, key: string): string | null {
  const base = kindPrefix(prefix, kind);
  if (!key.startsWith(base)) return null;
  const rest = key.slice(base.length);
  if (kind !== 'data') return isObjectName(rest) ? rest : null;
  const m = /^([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(rest);
  return m && m[2]!.startsWith(m[1]!) ? m[2]! : null;
}

/** Where `havre target check` writes its test object (DESIGN.md §4). */
export function probeKey(prefix: string, id: string): string {
  return `${prefix}probe/${id}`;
}
