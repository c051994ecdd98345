import { HavreError } from '../../engine/errors/index.js';
import { repairCatalog } from '../../engine/jobs/index.js';
import { parseCommand } from '../args.js';
import { CliContext } from '../context.js';

export async function repairCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  if (positionals[0] !== 'catalog') throw new HavreError('USAGE', { detail: 'havre repair takes one subcommand: catalog' });
  // The catalog is rebuilt from nothing, so a damaged one is deleted first: opening it could fail.
  await ctx.deleteCatalog();
  return ctx.withRepo(async (repo) => {
    const r = await repairCatalog(repo);
    ctx.out.result(r, () => [
      ctx.out.t(`Catalog rebuilt from the repository: ${r.snapshots} snapshots, ${r.packs} packs, ${r.blobs} blobs.`,
        `Catalogue reconstruit depuis le dépôt : ${r.snapshots} sauvegardes, ${r.packs} paquets, ${r.blobs} blocs.`),
      ...(r.recoveredPacks ? [ctx.out.t(`${r.recoveredPacks} pack(s) left by an interrupted backup were indexed.`, `${r.recoveredPacks} paquet(s) laissés par une sauvegarde interrompue ont été indexés.`)] : []),
      ...r.unreadablePacks.map((p) => ctx.out.t(`  unreadable pack ${p.slice(0, 16)} (run havre verify --read-data)`, `  paquet illisible ${p.slice(0, 16)} (lancez havre verify --read-data)`)),
    ]);
    return r.unreadablePacks.length > 0 ? 3 : 0;
  }, 'repair');
}
