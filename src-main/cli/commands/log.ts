// `havre log`: the repository's audit log on this machine (engine/audit). Lists events with their
// files (opened with K_log), verifies the chain and its MACs, exports JSONL or CSV with the proof,
// and verifies an export (`--verify --file F`).
import { readFile, writeFile } from 'node:fs/promises';
import { exportCsv, exportJsonl, verifyExport, type AuditEvent, type BreakKind, type ChainReport } from '../../engine/audit/index.js';
import { deriveAuditKeys } from '../../engine/audit/auditKeys.js';
import { HavreError } from '../../engine/errors/index.js';
import { parseCommand, SESSION_OPTIONS } from '../args.js';
import { CliContext } from '../context.js';
import type { Output } from '../output.js';

/** `--since 2026-01-01`, `--since 7d`: a time, or a number of days back. */
export function parseSince(v: string | undefined, now = Date.now()): number | null {
  if (v === undefined) return null;
  const days = /^(\d+)d$/.exec(v);
  if (days) return now - Number(days[1]) * 86_400_000;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new HavreError('USAGE', { detail: `--since takes a date (2026-01-31) or a number of days (7d), not "${v}"` });
  return t;
}

const BREAK_WORDS: Record<BreakKind, { reason: string; reasonFr: string }> = {
  checkpoint: { reason: 'the checkpoint of pruned events is not authentic', reasonFr: 'le point de reprise des événements purgés n’est pas authentique' },
  edited: { reason: 'an event was changed after it was written', reasonFr: 'un événement a été modifié après son écriture' },
  resealed: { reason: 'an event was changed and the chain recomputed (its MAC does not match)', reasonFr: 'un événement a été modifié et la chaîne recalculée (son MAC ne correspond pas)' },
  missing: { reason: 'events are missing', reasonFr: 'des événements manquent' },
  reordered: { reason: 'events are out of order', reasonFr: 'des événements sont dans le désordre' },
  unlinked: { reason: 'an event does not follow the one before it', reasonFr: 'un événement ne suit pas le précédent' },
};

function reportLines(out: Output, r: ChainReport): string[] {
  const lines: string[] = [];
  if (r.ok) {
    lines.push(out.t(`The audit log is intact: ${r.events} event(s), up to event ${r.head.seq}${r.macChecked ? ', every MAC checked' : ' (chain only: no key to check the MACs)'}.`,
      `Le journal d’audit est intact : ${r.events} événement(s), jusqu’à l’événement ${r.head.seq}${r.macChecked ? ', tous les MAC vérifiés' : ' (chaîne seule : pas de clé pour vérifier les MAC)'}.`));
  }
  if (r.unauthenticated > 0) {
    lines.push(out.t(`${r.unauthenticated} event(s) were written without the key (failed unlocks); the events after them vouch for them.`,
      `${r.unauthenticated} événement(s) écrits sans la clé (déverrouillages échoués) ; les événements suivants les garantissent.`));
  }
  for (const c of r.clock) {
    lines.push(out.t(`Clock: ${c.kind} at event ${c.seq}${c.ms ? ` (${Math.round(c.ms / 1000)} s)` : ''}.`, `Horloge : ${c.kind} à l’événement ${c.seq}${c.ms ? ` (${Math.round(c.ms / 1000)} s)` : ''}.`));
  }
  lines.push(out.t('Truncation of the newest events is not visible here: compare the head with the appliance’s copy or with an earlier export.',
    'Une troncature des derniers événements n’est pas visible ici : comparez la tête avec la copie de l’appliance ou un export antérieur.'));
  return lines;
}

function eventLine(e: AuditEvent, files: string[]): string {
  const d = e.data as Record<string, unknown>;
  const listed = d.files as { count?: number } | undefined;
  const detail = Object.entries(d).filter(([k]) => !['files', 'clock', 'by'].includes(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  const head = `${String(e.seq).padStart(6)} ${e.time} ${e.type.padEnd(14)} ${detail}${listed?.count ? ` files=${listed.count}` : ''}`;
  return [head, ...files.slice(0, 20).map((f) => `         ${f}`), ...(files.length > 20 ? [`         … ${files.length - 20} more`] : [])].join('\n');
}

export async function logCommand(argv: string[]): Promise<number> {
  // --as admin (SESSION_OPTIONS): IT checks a machine's export with the admin key, from any computer.
  const { values } = parseCommand(argv, {
    ...SESSION_OPTIONS,
    verify: { type: 'boolean', default: false },
    export: { type: 'string' },
    output: { type: 'string', short: 'o' },
    since: { type: 'string' },
    file: { type: 'string' },
  });
  const ctx = new CliContext(values);
  const since = parseSince(values.since);
  if (values.export !== undefined && values.export !== 'jsonl' && values.export !== 'csv') throw new HavreError('USAGE', { detail: '--export takes jsonl or csv' });
  if (values.file !== undefined && !values.verify) throw new HavreError('USAGE', { detail: '--file names an export to check with --verify' });
  return ctx.withRepo(async (repo) => {
    const log = repo.audit;
    if (!log) throw new HavreError('AUDIT_LOG_DAMAGED', { path: 'audit', detail: 'it could not be opened' });
    if (values.verify) {
      let r: ChainReport;
      if (values.file !== undefined) {
        const keys = deriveAuditKeys(repo.keys.log);
        r = verifyExport(await readFile(values.file, 'utf8'), keys.mac, repo.config.repoId);
      } else r = log.verify();
      if (!r.ok) throw new HavreError('AUDIT_CHAIN_BROKEN', { seq: r.firstBreak!.seq, kind: r.firstBreak!.kind, ...BREAK_WORDS[r.firstBreak!.kind] });
      ctx.out.result(r, () => reportLines(ctx.out, r));
      return 0;
    }
    const events = log.events().filter((e) => since === null || Date.parse(e.time) >= since);
    if (values.export !== undefined) {
      const text = values.export === 'csv' ? exportCsv(log, events) : exportJsonl(log, events);
      if (values.output !== undefined) await writeFile(values.output, text, { mode: 0o600 });
      else process.stdout.write(text);
      return 0;
    }
    ctx.out.result({ events: events.map((e) => ({ ...e, paths: log.filesOf(e) })) }, () => events.map((e) => eventLine(e, log.filesOf(e))));
    return 0;
  });
}
