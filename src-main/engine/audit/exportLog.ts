// `havre log --export`: the events with what proves them (DECISIONS.md). JSONL: a header with the
// repository, the checkpoint and the head, then one event per line exactly as chained (seq, time,
// type, data, prev, hash, mac) plus the opened file list under `paths`, outside the chained fields.
// Anyone can check the chain of an export; whoever holds K_log (the user, IT with the admin key)
// checks the MACs too: `havre log --verify --file export.jsonl`.
import { HavreError } from '../errors/index.js';
import type { AuditLog } from './AuditLog.js';
import type { AuditEvent, Checkpoint } from './AuditStore.js';
import { verifyChain, type ChainReport } from './verifyChain.js';

export const EXPORT_FORMAT = 'havre-audit-export/v1';

export interface ExportHeader {
  readonly format: typeof EXPORT_FORMAT;
  readonly repoId: string;
  readonly checkpoint: Checkpoint;
  readonly head: { readonly seq: number; readonly hash: string };
  readonly exported: string;
}

export function exportJsonl(log: AuditLog, events: readonly AuditEvent[], now = new Date()): string {
  const first = events[0];
  // An export from --since starts after a MAC'd checkpoint of its own, so it verifies alone.
  const checkpoint = first && first.seq !== log.checkpoint().seq + 1 ? log.checkpointAt(first.seq - 1, first.prev) : log.checkpoint();
  const head = events.at(-1) ?? log.head();
  const header: ExportHeader = { format: EXPORT_FORMAT, repoId: log.repoId, checkpoint, head: { seq: head.seq, hash: head.hash }, exported: now.toISOString() };
  const lines = [JSON.stringify(header)];
  for (const e of events) {
    const paths = log.filesOf(e);
    lines.push(JSON.stringify({ ...e, ...(paths.length > 0 ? { paths } : {}) }));
  }
  return `${lines.join('\n')}\n`;
}

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  // A cell starting with = + - @ is a formula to a spreadsheet: quote it with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function exportCsv(log: AuditLog, events: readonly AuditEvent[]): string {
  const rows = [['seq', 'time', 'type', 'job', 'outcome', 'by', 'files', 'paths', 'details', 'prev', 'hash', 'mac']];
  for (const e of events) {
    const { job, error, by, files, clock: _clock, ...rest } = e.data as Record<string, unknown>;
    const count = (files as { count?: number } | undefined)?.count ?? e.data.fileCount ?? '';
    rows.push([String(e.seq), e.time, e.type, String(job ?? ''), String(error ?? (e.type.endsWith('.failed') ? 'failed' : 'ok')), String(by ?? ''),
      String(count), log.filesOf(e).join('\n'), JSON.stringify(rest), e.prev, e.hash, e.mac ?? '']);
  }
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** Checks an exported JSONL text; `macKey` null checks the chain only. */
export function verifyExport(text: string, macKey: Buffer | null, expectRepoId?: string): ChainReport & { repoId: string } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  let header: ExportHeader;
  const events: AuditEvent[] = [];
  try {
    header = JSON.parse(lines[0] ?? '') as ExportHeader;
    if (header.format !== EXPORT_FORMAT) throw new Error(`not a ${EXPORT_FORMAT} file`);
    for (const l of lines.slice(1)) {
      const { seq, time, type, data, prev, hash, mac } = JSON.parse(l) as AuditEvent;
      events.push({ seq, time, type, data, prev, hash, mac: mac ?? null });
    }
  } catch (e) {
    throw new HavreError('AUDIT_LOG_DAMAGED', { path: 'export', detail: e instanceof Error ? e.message : String(e) });
  }
  if (expectRepoId !== undefined && header.repoId !== expectRepoId) {
    throw new HavreError('AUDIT_LOG_DAMAGED', { path: 'export', detail: `it belongs to repository ${header.repoId}, not ${expectRepoId}` });
  }
  const report = verifyChain(header.repoId, header.checkpoint, events, macKey);
  // The header names the head at export time: an export cut short shows here.
  if (report.ok && (report.head.seq !== header.head.seq || report.head.hash !== header.head.hash) && events.length > 0) {
    return { ...report, ok: false, repoId: header.repoId, firstBreak: { seq: report.head.seq + 1, kind: 'missing', reason: `the export ends at event ${report.head.seq}, its header at ${header.head.seq}` } };
  }
  return { ...report, repoId: header.repoId };
}
