import { isHavreError } from '../../engine/errors/index.js';
import { readConfig } from '../../engine/repo/index.js';
import { FsStore } from '../../engine/store/index.js';
import { parseCommand } from '../args.js';
import { CliContext } from '../context.js';
import { readHomeConfig, repoLocation } from '../../engine/home/homeConfig.js';
import { formatBytes, shortId } from '../output.js';

/** What is configured and how it stands; works even when the repository cannot be opened. */
export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  const home = await readHomeConfig(ctx.home);
  const path = values.repo ?? (home.repo ? repoLocation(home.repo) : null);
  const { keychain, reason } = await ctx.keychain();
  const doc: Record<string, unknown> = { home: ctx.home, repo: path, keychain: keychain ? 'available' : 'unavailable', ...(reason ? { keychainReason: reason } : {}) };
  if (path) {
    try {
      const { config } = await readConfig(await FsStore.open(path));
      doc.repoId = config.repoId;
      await ctx.withRepo(async (repo) => {
        const snaps = repo.listSnapshots();
        const last = snaps[snaps.length - 1];
        doc.unlockedVia = repo.unlockedVia;
        doc.snapshots = snaps.length;
        doc.lastBackup = last ? { snapshot: last.id, time: last.time, files: last.summary.files ?? 0, bytes: last.summary.bytes ?? 0 } : null;
        doc.packs = repo.catalog.listPacks().length;
        doc.storedBytes = repo.catalog.listPacks().reduce((n, p) => n + p.size, 0);
      });
      doc.state = 'ok';
    } catch (e) {
      if (!isHavreError(e)) throw e;
      doc.state = 'error';
      doc.error = e.toJSON();
    }
  } else doc.state = 'not-configured';
  ctx.out.result(doc, () => {
    const last = doc.lastBackup as { snapshot: string; time: string; files: number; bytes: number } | null | undefined;
    return [
      `${ctx.out.t('Home', 'Dossier Havre')}: ${ctx.home}`,
      `${ctx.out.t('Repository', 'Dépôt')}: ${path ?? ctx.out.t('none (run havre init --repo DIR)', 'aucun (lancez havre init --repo DIR)')}`,
      `${ctx.out.t('Keychain', 'Trousseau')}: ${keychain ? ctx.out.t('available', 'disponible') : ctx.out.t(`unavailable (${reason})`, `indisponible (${reason})`)}`,
      ...(doc.state === 'ok' ? [
        `${ctx.out.t('Snapshots', 'Sauvegardes')}: ${String(doc.snapshots)}; ${ctx.out.t('stored', 'stocké')}: ${formatBytes(doc.storedBytes as number)}`,
        last ? `${ctx.out.t('Last backup', 'Dernière sauvegarde')}: ${shortId(last.snapshot)} ${last.time} (${last.files} ${ctx.out.t('files', 'fichiers')}, ${formatBytes(last.bytes)})`
          : ctx.out.t('No backup yet.', 'Aucune sauvegarde pour l’instant.'),
      ] : doc.state === 'error' ? [`${ctx.out.t('Error', 'Erreur')}: ${(doc.error as { message: string; messageFr: string })[ctx.out.lang === 'fr' ? 'messageFr' : 'message']}`] : []),
    ];
  });
  return doc.state === 'error' ? 1 : 0;
}
