import { HavreError } from '../../engine/errors/index.js';
import { runVerify } from '../../engine/jobs/index.js';
import { parseCommand, readFrom, TARGET_OPTION } from '../args.js';
import { CliContext } from '../context.js';

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { ...TARGET_OPTION, 'read-data': { type: 'boolean', default: false }, 'read-data-subset': { type: 'string' } });
  const ctx = new CliContext({ ...values, ...readFrom(values) });
  let subset: number | undefined;
  if (values['read-data-subset'] !== undefined) {
    const m = /^(\d+(?:\.\d+)?)%?$/.exec(values['read-data-subset']);
    subset = m ? Number(m[1]) : NaN;
    if (!(subset > 0 && subset <= 100)) throw new HavreError('USAGE', { detail: '--read-data-subset takes a percentage such as 10%' });
  }
  return ctx.withRepo(async (repo) => {
    const r = await runVerify(repo, { readData: values['read-data'], ...(subset !== undefined ? { readDataSubsetPercent: subset } : {}), onProgress: ctx.out.progress });
    ctx.out.result(r, () => [
      r.ok
        ? ctx.out.t(`No errors: ${r.snapshots} snapshots, ${r.trees} trees, ${r.packs} packs (${r.packsRead} read, ${r.blobsChecked} blobs checked).`,
          `Aucune erreur : ${r.snapshots} sauvegardes, ${r.trees} arbres, ${r.packs} paquets (${r.packsRead} lus, ${r.blobsChecked} blocs vérifiés).`)
        : ctx.out.t(`${r.problems.length} problem(s) found:`, `${r.problems.length} problème(s) trouvé(s) :`),
      ...r.problems.map((p) => `  ${p.kind} ${p.object.slice(0, 16)}: ${p.reason}`),
      ...(r.affected.length ? [ctx.out.t('Affected files:', 'Fichiers touchés :'), ...r.affected.map((a) => `  ${a.snapshot} ${a.path}`)] : []),
    ]);
    return r.ok ? 0 : 1;
  });
}
