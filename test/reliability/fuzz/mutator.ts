// A seeded mutator in the manner of AFL's havoc stage: stacked byte-level mutations (bit flips,
// interesting integers in 8/16/32-bit fields, inserted, deleted, duplicated and spliced ranges,
// truncation) and, for JSON inputs, structural mutations (a member removed, added, or given a
// value of another type, a huge number, a long or hostile string, deep nesting).
import type { Rng } from '../helpers/random.js';

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff];
const INTERESTING_16 = [0, 1, 0x7fff, 0x8000, 0xffff, 0x100, 0x1000];
const INTERESTING_32 = [0, 1, 28, 48, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x10000, 0x1000000, 0x40000000];

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

/** One byte-level mutation of `b` (a new buffer); `other` is another input to splice from. */
function mutateOnce(r: Rng, b: Buffer, other: Buffer): Buffer {
  const at = (): number => (b.length === 0 ? 0 : r.int(b.length));
  switch (r.int(11)) {
    case 0: { // flip a bit
      if (b.length === 0) return Buffer.from([r.int(256)]);
      const c = Buffer.from(b);
      const i = at();
      c[i] = c[i]! ^ (1 << r.int(8));
      return c;
    }
    case 1: { // a random byte
      if (b.length === 0) return Buffer.from([r.int(256)]);
      const c = Buffer.from(b);
      c[at()] = r.int(256);
      return c;
    }
    case 2: { // an interesting 8, 16 or 32-bit value, either endianness
      const width = r.pick([1, 2, 4]);
      if (b.length < width) return Buffer.concat([b, r.bytes(width)]);
      const c = Buffer.from(b);
      const i = r.int(b.length - width + 1);
      if (width === 1) c[i] = r.pick(INTERESTING_8);
      else if (width === 2) (r.chance(0.5) ? c.writeUInt16LE.bind(c) : c.writeUInt16BE.bind(c))(r.pick(INTERESTING_16), i);
      else (r.chance(0.5) ? c.writeUInt32LE.bind(c) : c.writeUInt32BE.bind(c))(r.pick(INTERESTING_32), i);
      return c;
    }
    case 3: { // add or subtract a little from a byte
      if (b.length === 0) return b;
      const c = Buffer.from(b);
      const i = at();
      c[i] = (c[i]! + r.between(-35, 35)) & 0xff;
      return c;
    }
    case 4: { // delete a range
      const i = at();
      const n = clamp(r.int(Math.max(1, b.length >> 3)) + 1, 1, b.length - i);
      return Buffer.concat([b.subarray(0, i), b.subarray(i + n)]);
    }
    case 5: { // insert random bytes
      const i = at();
      return Buffer.concat([b.subarray(0, i), r.bytes(r.between(1, 64)), b.subarray(i)]);
    }
    case 6: { // duplicate a range in place
      const i = at();
      const n = clamp(r.int(Math.max(1, b.length >> 2)) + 1, 0, b.length - i);
      return Buffer.concat([b.subarray(0, i + n), b.subarray(i, i + n), b.subarray(i + n)]);
    }
    case 7: { // truncate
      return b.subarray(0, r.int(b.length + 1));
    }
    case 8: { // splice with another input
      const i = at();
      const j = other.length === 0 ? 0 : r.int(other.length);
      return Buffer.concat([b.subarray(0, i), other.subarray(j)]);
    }
    case 9: { // overwrite a range with a copy of another part
      if (b.length < 2) return b;
      const c = Buffer.from(b);
      const from = at();
      const to = at();
      const n = r.int(Math.min(c.length - from, c.length - to)) + 1;
      c.copy(c, to, from, from + n);
      return c;
    }
    default: { // a run of one byte
      const i = at();
      return Buffer.concat([b.subarray(0, i), Buffer.alloc(r.between(1, 256), r.pick([0, 0xff, 0x41, 0x30])), b.subarray(i)]);
    }
  }
}

/** One to eight stacked byte mutations. */
export function mutateBytes(r: Rng, input: Buffer, other: Buffer): Buffer {
  let b = input;
  const n = 1 << r.int(4);
  for (let i = 0; i < n; i++) b = mutateOnce(r, b, other);
  return b;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const HOSTILE_STRINGS = ['', '..', '/', '../../etc/passwd', 'a/b', 'nul\u0000byte', '\u202e', 'x'.repeat(70_000), '__proto__', 'constructor',
  '0'.repeat(64), 'f'.repeat(64), 'ab', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '-1', 'NaN', '\ud800', 'HVT1.', '=', 'AAAA'];
const HOSTILE_NUMBERS = [0, -1, 1, 0.5, -0.0, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 4096, 131072, 2 ** 22, 2 ** 30];

/** A placeholder for a deeply nested value: built as text, since building it as a value would
 *  overflow this mutator's own (recursive) stack before the parser's. */
const DEEP = 'deep-nesting:';

function deepText(depth: number, open: string): string {
  return open === '[' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Deeper than this, an input is mutated as bytes only (its structure is out of this mutator's reach). */
const MAX_STRUCTURED_DEPTH = 200;

function depthOf(text: string): number {
  let d = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '{') max = Math.max(max, ++d);
    else if (c === ']' || c === '}') d--;
  }
  return max;
}

function hostileValue(r: Rng, depth = 0): Json {
  switch (r.int(8)) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return r.pick(HOSTILE_NUMBERS);
    case 3: return r.pick(HOSTILE_STRINGS);
    case 4: return depth > 2 ? [] : Array.from({ length: r.int(4) }, () => hostileValue(r, depth + 1));
    case 5: return depth > 2 ? {} : { [r.pick(HOSTILE_STRINGS).slice(0, 20)]: hostileValue(r, depth + 1) };
    case 6: // deep nesting, up to where recursive readers overflow their stack: spliced in as text
      return `${DEEP}${r.pick([70, 1000, 20_000, 100_000])}${r.pick(['[', '{'])}`;
    default: return r.bytes(r.int(40)).toString('base64');
  }
}

/** Every [container, key] in a JSON value, to pick one to change. */
function slots(v: Json, out: [Json[] | { [k: string]: Json }, string | number][] = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([v, i]); slots(x, out); });
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) { out.push([v, k]); slots(v[k]!, out); }
  return out;
}

/** A structural mutation of a JSON document; falls back to byte mutations when it does not parse. */
export function mutateJson(r: Rng, input: Buffer, other: Buffer): Buffer {
  if (depthOf(input.toString('latin1')) > MAX_STRUCTURED_DEPTH) return mutateBytes(r, input, other);
  let doc: Json;
  try {
    doc = JSON.parse(input.toString('utf8')) as Json;
  } catch {
    return mutateBytes(r, input, other);
  }
  const n = r.between(1, 3);
  for (let i = 0; i < n; i++) {
    const all = slots(doc);
    if (all.length === 0) {
      doc = hostileValue(r);
      continue;
    }
    const [container, key] = r.pick(all);
    const action = r.int(5);
    if (Array.isArray(container)) {
      const k = key as number;
      if (action === 0) container.splice(k, 1);
      else if (action === 1) container.push(...Array.from({ length: r.between(1, 3) }, () => structuredClone(container[k] ?? null)));
      else container[k] = hostileValue(r);
    } else {
      const k = key as string;
      if (action === 0) delete container[k];
      else if (action === 1) container[r.pick(HOSTILE_STRINGS).slice(0, 30) || 'extra'] = hostileValue(r);
      else if (action === 2 && typeof container[k] === 'number') container[k] = r.pick(HOSTILE_NUMBERS);
      else if (action === 2 && typeof container[k] === 'string') container[k] = r.pick(HOSTILE_STRINGS);
      else container[k] = hostileValue(r);
    }
  }
  const text = JSON.stringify(doc).replace(new RegExp(`"${DEEP}(\\d+)([[{])"`, 'g'), (_m, d: string, open: string) => deepText(Number(d), open));
  return r.chance(0.2) ? mutateBytes(r, Buffer.from(text), other) : Buffer.from(text);
}
