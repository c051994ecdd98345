import { HavreError } from '../../engine/errors/index.js';
import { CONFLICT_MODES, runRestore, type ConflictMode } from '../../engine/jobs/index.js';
import { parseCommand, SESSION_OPTIONS } from '../args.js';
import { CliContext } from '../context.js';
import { formatBytes, shortId } from '../output.js';

export async function restoreCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    ...SESSION_OPTIONS,
    target: { type: 'string' },
    path: { type: 'string' },
    conflict: { type: 'string', default: 'keep-both' },
  });
  const ctx = new CliContext(values);
  const [ref, targetArg, ...extra] = positionals;
  if (!ref) throw new HavreError('USAGE', { detail: 'havre restore needs a SNAPSHOT (an id or latest)' });
  if (extra.length > 0 || (targetArg !== undefined && values.target !== undefined)) throw new HavreError('USAGE', { detail: 'havre restore takes one SNAPSHOT and one TARGET' });
  // The target as --target DIR or as the second argument (`havre restore latest ~/restored`).
  const target = values.target ?? targetArg;
  if (!target) throw new HavreError('USAGE', { detail: 'havre restore needs --target DIR' });
  if (!CONFLICT_MODES.includes(values.conflict as ConflictMode)) throw new HavreError('USAGE', { detail: `--conflict must be one of ${CONFLICT_MODES.join(', ')}` });
  return ctx.withRepo(async (repo) => {
    const r = await runRestore(repo, { snapshot: ref, target, conflict: values.conflict as ConflictMode, onProgress: ctx.out.progress, home: ctx.home,
      ...(values.path !== undefined ? { path: values.path } : {}) });
    ctx.out.result({ ...r, shortId: shortId(r.snapshotId), partial: r.failed.length > 0 }, () => [
      ctx.out.t(`Restored ${r.files} files, ${r.dirs} folders, ${r.symlinks} links (${formatBytes(r.bytes)}) from ${shortId(r.snapshotId)} into ${r.target}`,
        `Restauré ${r.files} fichiers, ${r.dirs} dossiers, ${r.symlinks} liens (${formatBytes(r.bytes)}) depuis ${shortId(r.snapshotId)} dans ${r.target}`),
      ...(r.identical.length ? [ctx.out.t(`${r.identical.length} already identical, left as they were`, `${r.identical.length} déjà identiques, laissés tels quels`)] : []),
      ...r.renamed.map((x) => ctx.out.t(`  kept both: ${x.path} restored as ${x.as}`, `  les deux gardés : ${x.path} restauré sous ${x.as}`)),
      ...r.skipped.map((x) => ctx.out.t(`  skipped: ${x.path} — ${x.reason}`, `  ignoré : ${x.path} — ${x.reason}`)),
      ...r.failed.map((x) => ctx.out.t(`  FAILED: ${x.path} — ${x.reason}`, `  ÉCHEC : ${x.path} — ${x.reason}`)),
    ]);
    return r.failed.length > 0 ? 3 : 0;
  });
}
