// Blob codecs (docs/FORMAT.md §6) and the writer's policy (FORMAT.md, "Compression").
// Synchronous on purpose: blobs are encoded and decoded inside worker threads, where a blocking
// call is the cheapest.
import { brotliCompressSync, brotliDecompressSync, constants, inflateRawSync } from 'node:zlib';
import { HavreError } from '../errors/index.js';

export const CODEC = { none: 0, deflate: 1, brotli: 2 } as const;
export type CodecId = 0 | 1 | 2;

// The probe: four 16 KiB samples spread over the blob (start, 1/3, 2/3, end), compressed together
// with the writer's own codec; if that does not save 10 %, the blob is stored as is. Measured
// (bench/micro/codecs.ts): Brotli-1 rejects random data 14x faster than DEFLATE-1 (5.4 GB/s vs
// 372 MB/s) with the same decisions, and spread samples catch blobs whose head is unrepresentative
// (office-like corpus: ratio 0.509 instead of 0.615 with a head-only probe).
const PROBE_SAMPLE = 16 * 1024;
const PROBE_MAX_RATIO = 0.9;
// A compressed blob is kept only if it saves at least 3 % overall.
const KEEP_MAX_RATIO = 0.97;

// The writer's codec: Brotli at quality 1, chosen by measurement (bench/micro/codecs.ts, 1 MiB
// blocks): it compresses text 8 % smaller than DEFLATE level 1 (ratio 0.256 vs 0.279) and
// binaries as well (0.479 vs 0.482) at 1.8 to 2.5 times its speed, which bounds backup speed on
// compressible data. Quality 2 saves another 7 to 10 % for twice the time; DEFLATE decodes faster
// (~1.5x), but restores are also bound by HMAC and AES.
const WRITER_CODEC: CodecId = CODEC.brotli;
const BROTLI_QUALITY = 1;
// A 4 MiB window covers the largest default chunk; a larger one buys nothing per blob.
const BROTLI_LGWIN = 22;

// Decoding's output buffer size limit (see decodeBlob); well above the default max chunk (4 MiB).
const MAX_OUTPUT_CHUNK = 16 * 1024 * 1024;

function compress(plaintext: Buffer): Buffer {
  return brotliCompressSync(plaintext, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: BROTLI_LGWIN,
      [constants.BROTLI_PARAM_SIZE_HINT]: plaintext.length,
    },
  });
}

/** The bytes the probe looks at: the whole blob when small, else four samples across it. */
function probeSample(plaintext: Buffer): Buffer {
  if (plaintext.length <= 4 * PROBE_SAMPLE) return plaintext;
  const last = plaintext.length - PROBE_SAMPLE;
  const at = [0, Math.floor(last / 3), Math.floor((2 * last) / 3), last];
  return Buffer.concat(at.map((o) => plaintext.subarray(o, o + PROBE_SAMPLE)));
}

/** Chooses how to store a blob. With codec 0 the payload is the plaintext itself (no copy). */
export function encodeBlob(plaintext: Buffer): { codec: CodecId; payload: Buffer } {
  const stored = { codec: CODEC.none, payload: plaintext };
  if (plaintext.length === 0) return stored;
  const probe = probeSample(plaintext);
  if (compress(probe).length > probe.length * PROBE_MAX_RATIO) return stored;
  const payload = compress(plaintext);
  if (payload.length > plaintext.length * KEEP_MAX_RATIO) return stored;
  return { codec: WRITER_CODEC, payload };
}

function corrupt(cause?: unknown): HavreError {
  return new HavreError('INTEGRITY', { what: 'compressed blob' }, cause === undefined ? undefined : { cause });
}

/**
 * The plaintext of a stored blob (for codec 0, the payload itself, no copy). Refuses an unknown codec, a payload that does not decode, and
 * one that decodes to anything but exactly rawLength bytes; decompression stops as soon as the
 * output would pass rawLength, so a "bomb" costs no more memory than an honest blob.
 */
export function decodeBlob(codec: number, payload: Buffer, rawLength: number): Buffer {
  if (!Number.isSafeInteger(rawLength) || rawLength < 0) throw corrupt();
  let out: Buffer;
  if (codec === CODEC.none) {
    out = payload;
  } else if (codec === CODEC.deflate || codec === CODEC.brotli) {
    // maxOutputLength must be >= 1; one spare byte lets an over-long stream be seen as such.
    // chunkSize = rawLength + 1: an honest stream lands in one buffer (no concatenation copy), and
    // an over-long one fails at the first step, before a second buffer is allocated. Capped, so
    // that a wrong rawLength in front of a small payload cannot make us allocate gigabytes.
    const opts = {
      maxOutputLength: Math.max(rawLength, 1),
      chunkSize: Math.min(Math.max(rawLength + 1, 64), MAX_OUTPUT_CHUNK),
    };
    try {
      out = codec === CODEC.deflate ? inflateRawSync(payload, opts) : brotliDecompressSync(payload, opts);
    } catch (e) {
      throw corrupt(e);
    }
  } else {
    throw corrupt();
  }
  if (out.length !== rawLength) throw corrupt();
  return out;
}
