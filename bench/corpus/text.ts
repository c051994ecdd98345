// Office-like compressible content: a seeded vocabulary with a Zipf word distribution (like natural
// language), rendered as plain notes, flat XML (what sits inside .docx/.odt), CSV exports, e-mails,
// logs and source code. Compressibility lands where real documents do: prose ≈ 2.5–3×, XML and logs
// far more (measured figures are in the corpus section of docs/BENCHMARKS.md).
import { Sfc32 } from './prng.js';

const LETTERS = 'etaoinshrdlcumwfgypbvkjxqz';
// approximate English letter frequencies (per mille), same order as LETTERS
const LETTER_FREQ = [127, 91, 82, 75, 70, 67, 63, 61, 60, 43, 40, 28, 28, 24, 24, 22, 20, 20, 19, 15, 10, 8, 2, 2, 1, 1];
const VOCAB_SIZE = 8000;
const ZIPF_S = 1.05;
const TABLE_BITS = 16;

export class Vocabulary {
  readonly words: string[] = [];
  /** all words, ASCII, back to back; word i is bytes[offsets[i], offsets[i + 1]) */
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
  private readonly table = new Uint16Array(1 << TABLE_BITS);

  constructor(seed: string) {
    const rng = new Sfc32(seed, 'vocabulary');
    const letterTable: string[] = [];
    LETTERS.split('').forEach((ch, i) => {
      for (let k = 0; k < (LETTER_FREQ[i] ?? 1); k++) letterTable.push(ch);
    });
    const seen = new Set<string>();
    while (this.words.length < VOCAB_SIZE) {
      // frequent words are short, rare words long
      const rank = this.words.length;
      const maxLen = rank < 50 ? 4 : rank < 500 ? 7 : 12;
      const len = rng.int(rank < 50 ? 1 : 2, maxLen);
      let w = '';
      for (let i = 0; i < len; i++) w += rng.pick(letterTable);
      if (!seen.has(w)) {
        seen.add(w);
        this.words.push(w);
      }
    }
    this.offsets = new Uint32Array(this.words.length + 1);
    let off = 0;
    this.words.forEach((w, i) => {
      this.offsets[i] = off;
      off += w.length;
    });
    this.offsets[this.words.length] = off;
    this.bytes = Buffer.from(this.words.join(''), 'latin1');
    // inverse CDF of Zipf(s) quantised into a lookup table: one draw = one table read
    const weights = this.words.map((_, i) => 1 / Math.pow(i + 1, ZIPF_S));
    const total = weights.reduce((a, b) => a + b, 0);
    let cum = 0;
    let idx = 0;
    for (let slot = 0; slot < this.table.length; slot++) {
      const target = ((slot + 0.5) / this.table.length) * total;
      while (idx < weights.length - 1 && cum + (weights[idx] ?? 0) < target) {
        cum += weights[idx] ?? 0;
        idx++;
      }
      this.table[slot] = idx;
    }
  }

  /** index of a Zipf-distributed word */
  index(rng: Sfc32): number {
    return this.table[rng.next() >>> (32 - TABLE_BITS)] ?? 0;
  }

  word(rng: Sfc32): string {
    return this.words[this.index(rng)] ?? 'x';
  }
}

/** Appends bytes to a buffer sized for the target plus slack; every element written is < 16 KiB. */
class Writer {
  readonly buf: Buffer;
  pos = 0;
  constructor(readonly size: number) {
    this.buf = Buffer.allocUnsafe(size + 64 * 1024);
  }
  get full(): boolean {
    return this.pos >= this.size;
  }
  str(s: string): void {
    // ASCII fast path: a JIT-compiled loop beats Buffer#write for short strings
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) {
        this.pos += b.write(s.slice(i), p, 'utf8');
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }
  byte(c: number): void {
    this.buf[this.pos++] = c;
  }
  word(v: Vocabulary, rng: Sfc32, capital = false): void {
    const i = v.index(rng);
    const start = v.offsets[i] ?? 0;
    const end = v.offsets[i + 1] ?? start;
    const b = this.buf;
    let p = this.pos;
    for (let k = start; k < end; k++) b[p++] = v.bytes[k] ?? 120;
    if (capital) b[this.pos] = (b[this.pos] ?? 97) - 32;
    this.pos = p;
  }
  words(v: Vocabulary, rng: Sfc32, n: number, sep = 32): void {
    for (let i = 0; i < n; i++) {
      if (i) this.byte(sep);
      this.word(v, rng);
    }
  }
  sentence(v: Vocabulary, rng: Sfc32): void {
    const n = rng.int(5, 24);
    this.word(v, rng, true);
    for (let i = 1; i < n; i++) {
      if (rng.chance(0.07)) this.byte(44); // ','
      this.byte(32);
      this.word(v, rng);
    }
    this.byte(rng.chance(0.08) ? 63 : 46); // '?' or '.'
  }
  paragraph(v: Vocabulary, rng: Sfc32): void {
    const n = rng.int(2, 7);
    for (let i = 0; i < n; i++) {
      if (i) this.byte(32);
      this.sentence(v, rng);
    }
  }
  int(n: number): void {
    this.str(String(n));
  }
  hex(rng: Sfc32, n: number, upper = false): void {
    const digits = upper ? HEX_UPPER : HEX_LOWER;
    for (let i = 0; i < n; i++) this.byte(digits.charCodeAt(rng.next() >>> 28));
  }
  date(rng: Sfc32): void {
    this.str(`20${rng.int(19, 24)}-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`);
  }
  result(): Buffer {
    return this.buf.subarray(0, this.size);
  }
}

const HEX_LOWER = '0123456789abcdef';
const HEX_UPPER = '0123456789ABCDEF';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export type DocKind = 'note' | 'xml' | 'csv' | 'mail' | 'log' | 'code' | 'json';

/** Generates exactly `size` bytes of a document of the given kind. */
export function document(kind: DocKind, size: number, v: Vocabulary, rng: Sfc32): Buffer {
  const w = new Writer(size);
  switch (kind) {
    case 'note':
      w.str('# ');
      w.words(v, rng, 4);
      w.str('\n\n');
      while (!w.full) {
        w.paragraph(v, rng);
        w.str('\n\n');
      }
      break;
    case 'xml':
      w.str('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>\n');
      while (!w.full) {
        w.str('<w:p w:rsidR="');
        w.hex(rng, 8, true);
        w.str(`"><w:pPr><w:pStyle w:val="${rng.pick(XML_STYLES)}"/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/></w:pPr><w:r><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri"/><w:sz w:val="22"/><w:lang w:val="fr-FR"/></w:rPr><w:t xml:space="preserve">`);
        w.paragraph(v, rng);
        w.str('</w:t></w:r></w:p>\n');
      }
      break;
    case 'csv': {
      const cols = rng.int(4, 9);
      w.str('id;date;');
      w.words(v, rng, cols - 2, 59);
      w.byte(10);
      let id = rng.int(1000, 90000);
      while (!w.full) {
        w.int(id++);
        w.byte(59);
        w.date(rng);
        for (let c = 2; c < cols; c++) {
          w.byte(59);
          if (c % 3 === 0) w.word(v, rng);
          else {
            w.int(rng.int(0, 9999));
            w.byte(44);
            w.str(pad2(rng.int(0, 99)));
          }
        }
        w.byte(10);
      }
      break;
    }
    case 'mail':
      w.str('From: ');
      w.words(v, rng, 2, 46);
      w.str('@example.com\nTo: ');
      w.word(v, rng);
      w.str('@example.com\nDate: ');
      w.date(rng);
      w.str('\nSubject: ');
      w.words(v, rng, 3);
      w.str('\nMessage-ID: <');
      w.hex(rng, 24);
      w.str('@mail.example.com>\nContent-Type: text/html; charset=utf-8\n\n<html><body>\n');
      while (!w.full) {
        w.str('<p style="font-family:Arial,sans-serif;font-size:11pt">');
        w.paragraph(v, rng);
        w.str('</p>\n');
      }
      break;
    case 'log': {
      let t = Date.UTC(2024, rng.int(0, 11), rng.int(1, 28)) + rng.int(0, 86_400_000);
      while (!w.full) {
        t += rng.int(1, 4000);
        w.str(`${new Date(t).toISOString()} ${rng.pick(LOG_LEVELS)} [${rng.pick(LOG_COMPONENTS)}] request=`);
        w.hex(rng, 12);
        w.byte(32);
        w.words(v, rng, 2);
        w.str(` took ${rng.int(1, 900)}ms\n`);
      }
      break;
    }
    case 'code':
      w.str('// ');
      w.sentence(v, rng);
      w.str('\nimport { ');
      w.words(v, rng, 2, 44);
      w.str(" } from './");
      w.word(v, rng);
      w.str(".js';\n\n");
      while (!w.full) {
        w.str('/** ');
        w.sentence(v, rng);
        w.str(' */\nexport function ');
        w.word(v, rng);
        w.word(v, rng, true);
        w.byte(40);
        w.word(v, rng);
        w.str(': string, ');
        w.word(v, rng);
        w.str(': number) {\n  const ');
        w.word(v, rng);
        w.str(' = ');
        w.words(v, rng, 2, 46);
        w.str(`(${rng.int(0, 255)});\n  if (`);
        w.word(v, rng);
        w.str(` > ${rng.int(0, 64)}) return `);
        w.word(v, rng);
        w.str('();\n  return { ');
        w.words(v, rng, 2, 44);
        w.str(' };\n}\n\n');
      }
      break;
    case 'json':
      w.str('{\n');
      while (!w.full) {
        w.str('  "');
        w.word(v, rng);
        w.str('": { "');
        w.word(v, rng);
        w.str(`": ${rng.int(0, 99999)}, "enabled": ${rng.chance(0.5)}, "label": "`);
        w.sentence(v, rng);
        w.str('" },\n');
      }
      break;
  }
  return w.result();
}

const XML_STYLES = ['Normal', 'Normal', 'Normal', 'Heading1', 'Heading2', 'ListParagraph'];
const LOG_LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const LOG_COMPONENTS = ['sync', 'http', 'db', 'auth', 'cache', 'scheduler'];
