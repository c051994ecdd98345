import { runBackup } from '../../engine/jobs/index.js';
import { HavreError } from '../../engine/errors/index.js';
import { parseCommand } from '../args.js';
import { CliContext } from '../context.js';
import { formatBytes, shortId } from '../output.js';

export async function backupCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { tag: { type: 'string', multiple: true } });
  const ctx = new CliContext(values);
  if (positionals.length === 0) throw new HavreError('USAGE', { detail: 'havre backup needs at least one PATH' });
  return ctx.withRepo(async (repo) => {
    const r = await runBackup(repo, { paths: positionals, tags: values.tag ?? [], home: ctx.home, onProgress: ctx.out.progress });
    const s = r.snapshot.summary;
    const partial = r.problems.some((p) => p.kind === 'unreadable' || p.kind === 'vanished');
    // An appliance repository: what could not be sent waits in the spool (the context says so plainly).
    const spool = ctx.spool ? await ctx.spool.pending() : null;
    ctx.out.result({ snapshot: r.snapshotId, shortId: shortId(r.snapshotId), time: r.snapshot.time, paths: r.snapshot.paths, summary: s,
      storedBytes: r.storedBytes, unchangedFiles: r.unchangedFiles, durationMs: r.durationMs, problems: r.problems, partial,
      ...(spool ? { offline: repo.offline !== null || spool.objects > 0, spool } : {}) }, () => [
      ctx.out.t(`Snapshot ${shortId(r.snapshotId)} saved`, `Sauvegarde ${shortId(r.snapshotId)} enregistrée`) +
        `: ${s.files} ${ctx.out.t('files', 'fichiers')}, ${s.dirs} ${ctx.out.t('folders', 'dossiers')}, ${formatBytes(s.bytes)} ` +
        ctx.out.t(`(${formatBytes(s.addedBytes)} new, ${formatBytes(r.storedBytes)} stored) in ${(r.durationMs / 1000).toFixed(1)} s`,
          `(${formatBytes(s.addedBytes)} nouveaux, ${formatBytes(r.storedBytes)} stockés) en ${(r.durationMs / 1000).toFixed(1)} s`),
      ...r.problems.map((p) => `  ${p.kind}: ${p.path} — ${p.reason}`),
      ...(spool && spool.objects > 0 ? [ctx.out.t('Not on the appliance yet: this backup waits on this computer until the appliance can be reached.',
        'Pas encore sur l’appliance : cette sauvegarde attend sur cet ordinateur que l’appliance soit joignable.')] : []),
    ]);
    return partial ? 3 : 0;
  }, 'backup');
}
