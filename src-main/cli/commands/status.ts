import { spoolDir } from '../../engine/appliance/index.js';
import { isHavreError } from '../../engine/errors/index.js';
import { readConfig } from '../../engine/repo/index.js';
import { FsStore } from '../../engine/store/index.js';
import { SpoolingStore, type SpoolPending } from '../../engine/store/spool/index.js';
import { parseCommand } from '../args.js';
import { CliContext, type RepoTarget } from '../context.js';
import { readHomeConfig, repoLocation } from '../../engine/home/homeConfig.js';
import { formatBytes, shortId } from '../output.js';
import { describeTargets } from './target.js';
import { protectionReport, type ProtectionReport } from '../../engine/protection/index.js';

/** What is configured and how it stands; works even when the repository cannot be opened. */
export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  const home = await readHomeConfig(ctx.home);
  const target: RepoTarget | null = values.repo || home.repo ? await ctx.target() : null;
  const location = target ? (target.kind === 'fs' ? target.path : target.kind === 'appliance' ? target.ref.url : repoLocation(target.ref)) : null;
  const { keychain, reason } = await ctx.keychain();
  const doc: Record<string, unknown> = { home: ctx.home, repo: location, keychain: keychain ? 'available' : 'unavailable', ...(reason ? { keychainReason: reason } : {}) };
  let spool: SpoolPending | null = null;
  let protection: ProtectionReport | null = null;
  if (target?.kind === 'appliance') {
    doc.kind = 'appliance';
    doc.applianceId = target.ref.applianceId;
    doc.machineId = target.ref.machineId;
    spool = await SpoolingStore.pendingAt(spoolDir(ctx.home, target.ref.machineId));
    doc.spool = spool;
  }
  if (target) {
    try {
      doc.repoId = target.kind === 'fs' ? (await readConfig(await FsStore.open(target.path))).config.repoId : target.ref.repoId;
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
      protection = await protectionReport(ctx.home, doc.repoId as string);
      doc.protection = protection;
      if (target.kind === 'appliance') doc.spool = spool = await SpoolingStore.pendingAt(spoolDir(ctx.home, target.ref.machineId));
    } catch (e) {
      if (!isHavreError(e)) throw e;
      doc.state = 'error';
      doc.error = e.toJSON();
    }
  } else doc.state = 'not-configured';
  const targets = describeTargets(home, ctx.home);
  if (targets.length > 1 || targets.some((t) => t.kind === 's3')) doc.targets = targets;
  ctx.out.result(doc, () => {
    const last = doc.lastBackup as { snapshot: string; time: string; files: number; bytes: number } | null | undefined;
    return [
      `${ctx.out.t('Home', 'Dossier Havre')}: ${ctx.home}`,
      `${ctx.out.t('Repository', 'Dépôt')}: ${location ?? ctx.out.t('none (run havre init --repo DIR or havre enroll)', 'aucun (lancez havre init --repo DIR ou havre enroll)')}`,
      ...(target?.kind === 'appliance' ? [`${ctx.out.t('Machine', 'Poste')}: ${target.ref.machineId}`] : []),
      `${ctx.out.t('Keychain', 'Trousseau')}: ${keychain ? ctx.out.t('available', 'disponible') : ctx.out.t(`unavailable (${reason})`, `indisponible (${reason})`)}`,
      ...(spool ? [spool.objects === 0
        ? ctx.out.t('Waiting on this computer: nothing', 'En attente sur cet ordinateur : rien')
        : ctx.out.t(`Waiting on this computer: ${spool.objects} object(s), ${formatBytes(spool.bytes)}, since ${spool.since}`,
          `En attente sur cet ordinateur : ${spool.objects} objet(s), ${formatBytes(spool.bytes)}, depuis ${spool.since}`)] : []),
      ...targets.filter((t) => t.role === 'copy' && t.state).map((t) => t.state!.pending === 0
        ? ctx.out.t(`Copy ${t.name}: up to date`, `Copie ${t.name} : à jour`)
        : ctx.out.t(`Copy ${t.name}: ${t.state!.pending} object(s) (${formatBytes(t.state!.pendingBytes)}) to send`, `Copie ${t.name} : ${t.state!.pending} objet(s) (${formatBytes(t.state!.pendingBytes)}) à envoyer`)),
      ...(doc.state === 'ok' ? [
        `${ctx.out.t('Snapshots', 'Sauvegardes')}: ${String(doc.snapshots)}; ${ctx.out.t('stored', 'stocké')}: ${formatBytes(doc.storedBytes as number)}`,
        last ? `${ctx.out.t('Last backup', 'Dernière sauvegarde')}: ${shortId(last.snapshot)} ${last.time} (${last.files} ${ctx.out.t('files', 'fichiers')}, ${formatBytes(last.bytes)})`
          : ctx.out.t('No backup yet.', 'Aucune sauvegarde pour l’instant.'),
        ...(protection ? protectionLines(ctx, protection) : []),
      ] : doc.state === 'error' ? [`${ctx.out.t('Error', 'Erreur')}: ${(doc.error as { message: string; messageFr: string })[ctx.out.lang === 'fr' ? 'messageFr' : 'message']}`] : []),
    ];
  });
  return doc.state === 'error' ? 1 : 0;
}

function protectionLines(ctx: CliContext, p: ProtectionReport): string[] {
  const t = (en: string, fr: string): string => ctx.out.t(en, fr);
  const running = p.runningPid !== null ? t(`running (process ${p.runningPid})`, `en marche (processus ${p.runningPid})`) : t('not running (start the app or havre daemon)', 'arrêtée (lancez l’application ou havre daemon)');
  const pause = p.pause === null ? '' : p.pause.untilMs === null ? t(', paused until havre resume', ', en pause jusqu’à havre resume')
    : t(`, paused until ${new Date(p.pause.untilMs).toLocaleString()}`, `, en pause jusqu’au ${new Date(p.pause.untilMs).toLocaleString('fr-FR')}`);
  return [
    `${t('Continuous protection', 'Protection continue')}: ${running}${pause}`,
    p.pendingFiles === 0 ? t('  Every change is backed up.', '  Toutes les modifications sont sauvegardées.')
      : t(`  ${p.pendingFiles} change(s) waiting (${formatBytes(p.pendingBytes)}), the oldest from ${p.oldestPendingChange}`,
        `  ${p.pendingFiles} modification(s) en attente (${formatBytes(p.pendingBytes)}), la plus ancienne du ${p.oldestPendingChange}`),
    ...p.failures.map((f) => `  ${t(f.message, f.messageFr)}`),
  ];
}
