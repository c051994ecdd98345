import { rollUp } from '../../engine/protection/index.js';
import { parseCommand, SESSION_OPTIONS, readFrom, TARGET_OPTION } from '../args.js';
import { CliContext } from '../context.js';
import { formatBytes, shortId } from '../output.js';

export async function snapshotsCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { ...SESSION_OPTIONS, ...TARGET_OPTION, all: { type: 'boolean', default: false } });
  const ctx = new CliContext({ ...values, ...readFrom(values) });
  return ctx.withRepo(async (repo) => {
    const rows = repo.listSnapshots();
    // Text: continuous protection's snapshots one per hour unless --all; JSON: always every snapshot.
    const shown = values.all ? rows.map((row) => ({ row, hidden: 0 })) : rollUp(rows);
    ctx.out.result(rows.map((r) => ({ ...r, shortId: shortId(r.id) })), () =>
      rows.length === 0
        ? [ctx.out.t('No snapshot yet.', 'Aucune sauvegarde pour l’instant.')]
        : shown.map(({ row: r, hidden }) => `${shortId(r.id)}  ${r.time.replace('T', ' ').slice(0, 19)}  ${r.hostname}  ${String(r.summary.files ?? 0).padStart(7)} ${ctx.out.t('files', 'fichiers')}  ${formatBytes(r.summary.bytes ?? 0).padStart(10)}  ${r.paths.join(' ')}` +
          (hidden ? ctx.out.t(`  (+${hidden} earlier this hour: --all)`, `  (+${hidden} plus tôt dans l’heure : --all)`) : '')),
    );
    return 0;
  });
}
