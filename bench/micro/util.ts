// Shared helpers for the micro-benchmarks: timing on one core, and test corpora.
import { randomBytes, createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Rate {
  /** MB/s (10^6 bytes) by the process's CPU time: robust when other processes share the cores. */
  cpu: number;
  /** MB/s by wall-clock time. */
  wall: number;
}

/** Runs fn `rounds` times over `bytes` bytes of work and keeps the best round (least disturbed). */
export function measure(bytes: number, fn: () => void, rounds = 5): Rate {
  fn(); // warm-up: lets V8 optimise before timing
  let cpu = 0;
  let wall = 0;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    const t = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    const cs = (c.user + c.system) / 1e6;
    cpu = Math.max(cpu, bytes / 1e6 / Math.max(cs, 1e-6));
    wall = Math.max(wall, bytes / 1e6 / t);
  }
  return { cpu, wall };
}

export function fmt(r: Rate): string {
  return `${r.cpu.toFixed(0).padStart(6)} MB/s cpu ${r.wall.toFixed(0).padStart(6)} MB/s wall`;
}

/** Deterministic pseudo-random bytes (SHA-256 in counter mode), for reproducible inputs. */
export function prng(seed: string, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  const ctr = Buffer.alloc(4);
  for (let i = 0, off = 0; off < length; i++, off += 32) {
    ctr.writeUInt32LE(i);
    createHash('sha256').update(seed).update(ctr).digest().copy(out, off);
  }
  return out;
}

function collect(dir: string, match: (name: string) => boolean, limit: number, out: Buffer[], acc: { n: number }): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1)); // same corpus on every run
  for (const e of entries) {
    if (acc.n >= limit) return;
    const p = join(dir, e.name);
    if (e.isDirectory()) collect(p, match, limit, out, acc);
    else if (e.isFile() && match(e.name)) {
      const b = readFileSync(p);
      out.push(b);
      acc.n += b.length;
    }
  }
}

/** Up to `size` bytes of real files under node_modules whose names match, repeated to fill `size`. */
function realFiles(match: (name: string) => boolean, size: number, fallback: () => Buffer): Buffer {
  const parts: Buffer[] = [];
  collect(join(process.cwd(), 'node_modules'), match, size, parts, { n: 0 });
  let data: Buffer = Buffer.concat(parts);
  if (data.length < 1024 * 1024) data = fallback();
  const reps = Math.ceil(size / data.length);
  return Buffer.concat(Array.from({ length: reps }, () => data)).subarray(0, size);
}

/** Synthetic text when no real files are at hand: words from a small vocabulary. */
function syntheticText(size: number): Buffer {
  const words = 'the of and backup file restore chunk snapshot repository data user document report budget meeting'.split(' ');
  const r = prng('text', size);
  let s = '';
  for (let i = 0; s.length < size; i++) s += words[r[i % r.length]! % words.length]! + (i % 13 === 12 ? '.\n' : ' ');
  return Buffer.from(s).subarray(0, size);
}

export interface Corpus {
  name: string;
  data: Buffer;
}

/** (a) random: already-compressed media; (b) text: source, docs, JSON; (c) binary: executables and
 *  libraries; (d) mixed, office-like: 320 KiB runs of text, binary, text, random (as documents with
 *  embedded images), so that 1 MiB blocks start on each kind in turn. */
export function corpora(size: number): Corpus[] {
  const random = randomBytes(size);
  const text = realFiles((n) => /\.(md|txt|json|d\.ts|c|h|html|css)$/.test(n), size, () => syntheticText(size));
  const binary = realFiles((n) => /\.(node|a|o|so|wasm)$/.test(n), size, () => syntheticText(size));
  const mixed = Buffer.allocUnsafe(size);
  const run = 320 * 1024;
  for (let off = 0, k = 0; off < size; off += run, k++) {
    const src = [text, binary, text, random][k % 4]!;
    src.copy(mixed, off, off, Math.min(off + run, size));
  }
  return [
    { name: 'random', data: random },
    { name: 'text', data: text },
    { name: 'binary', data: binary },
    { name: 'mixed', data: mixed },
  ];
}
