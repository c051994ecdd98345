import { runForget, runPrune, type RetentionPolicy } from '../../engine/jobs/index.js';
import { loadPolicy } from '../../engine/policy/index.js';
import { intOption, parseCommand } from '../args.js';
import { CliContext } from '../context.js';
import { formatBytes, shortId } from '../output.js';

export async function forgetCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {
    'keep-last': { type: 'string' }, 'keep-hourly': { type: 'string' }, 'keep-daily': { type: 'string' },
    'keep-weekly': { type: 'string' }, 'keep-monthly': { type: 'string' }, 'keep-yearly': { type: 'string' },
    'keep-within': { type: 'string' }, 'keep-tag': { type: 'string', multiple: true },
    prune: { type: 'boolean', default: false }, 'dry-run': { type: 'boolean', default: false },
  });
  const ctx = new CliContext(values);
  const policy: RetentionPolicy = {};
  const set = (k: keyof RetentionPolicy, flag: string): void => {
    const n = intOption(values[flag as 'keep-last'], flag);
    if (n !== undefined) (policy as Record<string, number>)[k] = n;
  };
  set('keepLast', 'keep-last'); set('keepHourly', 'keep-hourly'); set('keepDaily', 'keep-daily');
  set('keepWeekly', 'keep-weekly'); set('keepMonthly', 'keep-monthly'); set('keepYearly', 'keep-yearly');
  if (values['keep-within']) policy.keepWithin = values['keep-within'];
  if (values['keep-tag']) policy.keepTags = values['keep-tag'];
  // No rule given: the machine policy's retention, when IT set one (without either, everything is kept).
  const fromMachinePolicy = Object.keys(policy).length === 0 ? (await loadPolicy({ home: ctx.home })).policy.retention : undefined;
  if (fromMachinePolicy) Object.assign(policy, fromMachinePolicy);
  return ctx.withRepo(async (repo) => {
    const r = await runForget(repo, policy, { prune: values.prune, dryRun: values['dry-run'] });
    if (r.prune) ctx.reportHeldByLock(repo);
    ctx.out.result({ ...r, retention: policy, retentionFrom: fromMachinePolicy ? 'machine-policy' : 'options' }, () => [
      ...(fromMachinePolicy ? [ctx.out.t(`Retention from the machine policy: ${JSON.stringify(policy)}.`, `Conservation fixée par la politique machine : ${JSON.stringify(policy)}.`)] : []),
      ...(r.dryRun ? [ctx.out.t('Dry run: nothing was deleted.', 'Simulation : rien n’a été supprimé.')] : []),
      ctx.out.t(`Keep ${r.decision.keep.length}, forget ${r.decision.forget.length} snapshot(s).`, `Garder ${r.decision.keep.length}, oublier ${r.decision.forget.length} sauvegarde(s).`),
      ...r.decision.keep.map((k) => `  keep   ${shortId(k.id)}  ${k.reasons.join(', ')}`),
      ...r.decision.forget.map((f) => `  forget ${shortId(f.id)}`),
      ...(r.prune ? [ctx.out.t(`Prune: ${r.prune.packsDeleted} packs deleted, ${r.prune.packsRewritten} rewritten, ${formatBytes(r.prune.bytesFreed)} freed.`,
        `Nettoyage : ${r.prune.packsDeleted} paquets supprimés, ${r.prune.packsRewritten} réécrits, ${formatBytes(r.prune.bytesFreed)} libérés.`)] : []),
    ]);
    return 0;
  }, 'forget');
}

export async function pruneCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { 'dry-run': { type: 'boolean', default: false } });
  const ctx = new CliContext(values);
  return ctx.withRepo(async (repo) => {
    const r = await runPrune(repo, { dryRun: values['dry-run'] });
    ctx.reportHeldByLock(repo);
    ctx.out.result(r, () => [ctx.out.t(`${r.packsDeleted} packs deleted, ${r.packsRewritten} rewritten, ${formatBytes(r.bytesFreed)} freed.`,
      `${r.packsDeleted} paquets supprimés, ${r.packsRewritten} réécrits, ${formatBytes(r.bytesFreed)} libérés.`)]);
    return 0;
  }, 'prune');
}
