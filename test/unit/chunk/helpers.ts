// Test helpers: deterministic data and a deliberately naive chunker written straight from
// docs/FORMAT.md §5, to check the fast one against.
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import type { ChunkerParams } from '../../../src-main/engine/chunk/index.js';

/** SHA-256 in counter mode: block i = SHA-256(UTF8(seed) ‖ u32le(i)), concatenated, cut to length. */
export function prng(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  const ctr = Buffer.alloc(4);
  for (let i = 0, off = 0; off < length; i++, off += 32) {
    ctr.writeUInt32LE(i);
    createHash('sha256').update(seed, 'utf8').update(ctr).digest().copy(out, off);
  }
  return out;
}

export const KEY1 = Buffer.alloc(32, 0x01);
export const KEY2 = Buffer.alloc(32, 0x02);

/** Chunk lengths per FORMAT.md §5, in plain double arithmetic: "the top k bits of h are zero" is
 *  tested as h < 2^(32 - k), with no int32 tricks shared with the implementation. */
export function referenceLengths(key: Buffer, p: ChunkerParams, data: Uint8Array): number[] {
  const gear: number[] = [];
  for (let i = 0; i < 256; i++) {
    gear.push(createHmac('sha256', key).update(Buffer.concat([Buffer.from('gear'), Buffer.from([i])])).digest().readUInt32LE(0));
  }
  const bits = Math.log2(p.avg);
  const limitS = 2 ** (32 - (bits + 2));
  const limitL = 2 ** (32 - (bits - 2));
  const out: number[] = [];
  let pos = 0;
  while (pos < data.length) {
    const len = data.length - pos;
    let cut = Math.min(len, p.max);
    let h = 0;
    for (let i = p.min; i < len && i < p.max; i++) {
      h = (h * 2 + gear[data[pos + i]!]!) % 2 ** 32;
      if (h < (i < p.avg ? limitS : limitL)) {
        cut = i + 1;
        break;
      }
    }
    out.push(cut);
    pos += cut;
  }
  return out;
}

export function sha256hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Fast deterministic pseudo-random bytes for large inputs: the AES-256-CTR keystream of a key
 *  derived from seed. */
export function keystream(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed, 'utf8').digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}
