import type { Lang } from '../engine/errors/index.js';
import type { JobProgress } from '../engine/jobs/index.js';

/** Human text on a terminal, or exactly one JSON document on stdout with --json. */
export class Output {
  private progressShown = false;

  constructor(readonly json: boolean, readonly lang: Lang) {}

  /** The command's result: JSON document, or lines of text. */
  result(doc: unknown, human: () => string[]): void {
    this.clearProgress();
    if (this.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    else for (const line of human()) process.stdout.write(line + '\n');
  }

  /** Warnings go to stderr in both modes, so stdout stays one JSON document. */
  warn(en: string, fr: string): void {
    this.clearProgress();
    process.stderr.write(`${this.lang === 'fr' ? fr : en}\n`);
  }

  t(en: string, fr: string): string {
    return this.lang === 'fr' ? fr : en;
  }

  progress = (p: JobProgress): void => {
    if (this.json || !process.stderr.isTTY) return;
    const rate = `${formatBytes(p.bytesPerSecond)}/s`;
    const eta = p.etaSeconds !== undefined ? ` ETA ${p.etaSeconds}s` : '';
    const line = `${p.phase}: ${p.files} ${this.t('files', 'fichiers')}, ${formatBytes(p.bytes)}, ${rate}${eta}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 100) - 1)}`);
    this.progressShown = true;
  };

  private clearProgress(): void {
    if (this.progressShown) process.stderr.write('\r\x1b[K');
    this.progressShown = false;
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
