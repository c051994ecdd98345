import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { open, seal } from '../crypto/index.js';
import { HavreError } from '../errors/index.js';

/** Kinds of encrypted documents: index and snapshot objects (FORMAT.md §7, §9). */
export const DOC_KIND = { index: 1, snapshot: 2 } as const;
export type DocKind = (typeof DOC_KIND)[keyof typeof DOC_KIND];

const VERSION = 1;
/** A document larger than this is refused on read: a hostile one must not exhaust memory. */
const MAX_DOCUMENT = 1024 * 1024 * 1024;

/** u8(1) ‖ u8(kind) ‖ u8(codec) ‖ seal(K_enc, payload, those three bytes). */
export function sealDocument(kind: DocKind, plain: Buffer, encKey: Buffer, compress: boolean): Buffer {
  let codec = 0;
  let payload = plain;
  if (compress && plain.length > 256) {
    const z = deflateRawSync(plain, { level: 6 });
    if (z.length < plain.length * 0.97) {
      codec = 1;
      payload = z;
    }
  }
  const prefix = Buffer.from([VERSION, kind, codec]);
  return Buffer.concat([prefix, seal(encKey, payload, prefix)]);
}

export function openDocument(kind: DocKind, bytes: Buffer, encKey: Buffer, what: string): Buffer {
  if (bytes.length < 3) throw new HavreError('INTEGRITY', { what });
  if (bytes[0] !== VERSION) throw new HavreError('UNSUPPORTED_VERSION', { version: String(bytes[0]) });
  if (bytes[1] !== kind) throw new HavreError('INTEGRITY', { what: `${what} (wrong kind of object)` });
  const codec = bytes[2];
  const payload = open(encKey, bytes.subarray(3), bytes.subarray(0, 3), what);
  if (codec === 0) return payload;
  if (codec !== 1) throw new HavreError('INTEGRITY', { what: `${what} (codec ${codec})` });
  try {
    return inflateRawSync(payload, { maxOutputLength: MAX_DOCUMENT });
  } catch (e) {
    throw new HavreError('INTEGRITY', { what: `${what} (compression)` }, { cause: e });
  }
}
