// Chunker parameters as stored in the config object (docs/FORMAT.md §4, §5).
import { HavreError } from '../errors/index.js';

export interface ChunkerParams {
  min: number;
  avg: number;
  max: number;
}

export const DEFAULT_CHUNKER_PARAMS: ChunkerParams = { min: 256 * 1024, avg: 1024 * 1024, max: 4 * 1024 * 1024 };

// Bounds. avg's log2 must leave MASK_L at least a few bits and MASK_S within 32 bits (§5); the
// upper bounds keep one chunk well inside a u32 pack entry and the reader's memory.
const MIN_AVG_LOG2 = 8; // 256 B: MASK_L has 6 bits
const MAX_AVG_LOG2 = 26; // 64 MiB: MASK_S has 28 bits
const MIN_MIN = 64;
const MAX_MAX = 256 * 1024 * 1024;

function invalid(reason: string): never {
  throw new HavreError('REPO_CONFIG_INVALID', { reason: `chunker: ${reason}` });
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** Checks untrusted chunker parameters (from a config object) and returns a clean copy. */
export function validateChunkerParams(p: unknown): ChunkerParams {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) invalid('not an object');
  const rec = p as Record<string, unknown>;
  for (const k of Object.keys(rec)) {
    // Unknown members could change boundaries in a later format; refuse rather than ignore.
    if (k !== 'min' && k !== 'avg' && k !== 'max') invalid(`unknown member ${k}`);
  }
  const { min, avg, max } = rec;
  for (const [name, v] of [['min', min], ['avg', avg], ['max', max]] as const) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) invalid(`${name} is not a positive integer`);
  }
  const params = { min: min as number, avg: avg as number, max: max as number };
  if (!isPowerOfTwo(params.avg)) invalid('avg is not a power of two');
  const log2 = Math.log2(params.avg);
  if (log2 < MIN_AVG_LOG2 || log2 > MAX_AVG_LOG2) invalid(`avg out of range [2^${MIN_AVG_LOG2}, 2^${MAX_AVG_LOG2}]`);
  if (params.min < MIN_MIN) invalid(`min below ${MIN_MIN}`);
  if (!(params.min < params.avg && params.avg < params.max)) invalid('min < avg < max does not hold');
  if (params.max > MAX_MAX) invalid(`max above ${MAX_MAX}`);
  return params;
}
