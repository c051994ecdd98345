import { userLang } from '../../src-main/engine/errors/index.js';
import type { Lang } from '../errors/index.js';

/** Human text on a terminal, or exactly one JSON document on stdout with --json. */
export class Output {
  readonly lang: Lang = userLang();

  constructor(readonly json: boolean) {}

  result(doc: unknown, human: () => string[]): void {
    if (this.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    else for (const line of human()) process.stdout.write(line + '\n');
  }

  /** Notes go to stderr in both modes, so stdout stays one JSON document. */
  note(en: string, fr: string): void {
    process.stderr.write(`${this.t(en, fr)}\n`);
  }

  t(en: string, fr: string): string {
    return this.lang === 'fr' ? fr : en;
  }
}

// One way to print sizes across both CLIs.
export { formatBytes } from '../../src-main/cli/output.js';

/** Left-aligned columns; the header row first. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return [];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** "2026-11-22 10:00" from an ISO time, or "—". */
export function shortTime(isoText: string | null): string {
  return isoText ? isoText.slice(0, 16).replace('T', ' ') : '—';
}
