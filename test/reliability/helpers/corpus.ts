// A source tree that changes between backups the way a user's folder does: files edited, grown,
// shrunk, added and deleted, folders added, modes changed, links made. Drawn from a seeded
// generator, so a failing sequence can be replayed.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Rng } from './random.js';

const WORDS = ['facture', 'rapport', 'budget', 'équipe', 'réunion', 'projet', 'client', 'devis', 'note', 'photo', 'plan', 'αβγ', '数据', 'contrat'];

export interface CorpusOptions {
  /** Files made at the start. */
  readonly files: number;
  /** The largest file, in bytes (most are much smaller). */
  readonly maxFileBytes: number;
}

export class Corpus {
  private serial = 0;

  constructor(readonly root: string, private readonly rng: Rng, private readonly opts: CorpusOptions) {
    mkdirSync(root, { recursive: true });
    for (let i = 0; i < opts.files; i++) this.addFile();
  }

  /** Content of a size drawn to look like a workstation: mostly small, a few large; text or random. */
  private content(): Buffer {
    const r = this.rng;
    const size = r.weighted<number>([[r.int(4096), 4], [r.int(256 * 1024), 4], [r.between(256 * 1024, this.opts.maxFileBytes), 2], [0, 0.3]]);
    if (r.chance(0.5)) return r.bytes(size);
    const words: string[] = [];
    let n = 0;
    while (n < size) {
      const w = r.pick(WORDS);
      words.push(w);
      n += Buffer.byteLength(w) + 1;
    }
    return Buffer.from(words.join(' ')).subarray(0, size);
  }

  private folders(): string[] {
    const out = [this.root];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) {
          out.push(join(d, e.name));
          walk(join(d, e.name));
        }
      }
    };
    walk(this.root);
    return out;
  }

  files(): string[] {
    const out: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) out.push(p);
      }
    };
    walk(this.root);
    return out.sort();
  }

  private addFile(): void {
    const r = this.rng;
    let dir = r.pick(this.folders());
    if (r.chance(0.25) && relative(this.root, dir).split('/').length < 4) {
      dir = join(dir, `${r.pick(WORDS)}-${this.serial++}`);
      mkdirSync(dir, { recursive: true });
    }
    const file = join(dir, `${r.pick(WORDS)} ${this.serial++}.${r.pick(['txt', 'odt', 'bin', 'jpg'])}`);
    writeFileSync(file, this.content());
  }

  /** One round of user activity; returns what it did, for the log. */
  mutate(): string[] {
    const r = this.rng;
    const did: string[] = [];
    const edits = r.between(1, 6);
    for (let i = 0; i < edits; i++) {
      const files = this.files();
      const what = files.length === 0 ? 'add' : r.weighted<string>([['rewrite', 3], ['append', 2], ['truncate', 1], ['add', 3], ['delete', 1], ['chmod', 1], ['touch', 1], ['link', 0.3]]);
      const f = files.length > 0 ? r.pick(files) : '';
      switch (what) {
        case 'rewrite':
          writeFileSync(f, this.content());
          break;
        case 'append':
          appendFileSync(f, r.bytes(r.int(300 * 1024)));
          break;
        case 'truncate':
          truncateSync(f, r.int(statSync(f).size + 1));
          break;
        case 'add':
          this.addFile();
          break;
        case 'delete':
          rmSync(f);
          break;
        case 'chmod':
          chmodSync(f, r.pick([0o600, 0o644, 0o640, 0o755]));
          break;
        case 'touch': {
          const t = new Date(Date.now() - r.int(10 ** 9));
          utimesSync(f, t, t);
          break;
        }
        case 'link': {
          const link = join(this.root, `lien-${this.serial++}`);
          if (!existsSync(link)) symlinkSync(relative(this.root, f), link);
          break;
        }
      }
      did.push(what);
    }
    return did;
  }

  /** The bytes of a file (for tests that compare one file). */
  read(rel: string): Buffer {
    return readFileSync(join(this.root, rel));
  }
}
