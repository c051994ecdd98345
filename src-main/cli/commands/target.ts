// `havre target add|list|check|sync|remove|credentials`: where this machine's backups go.
import { existsSync } from 'node:fs';
import { Catalog, type TargetCounts } from '../../engine/catalog/index.js';
import { HavreError, isHavreError } from '../../engine/errors/index.js';
import { isApplianceRef, isS3Ref, primaryName, readHomeConfig, repoLocation, s3Location, writeHomeConfig, type HomeConfig, type S3TargetRef } from '../../engine/home/homeConfig.js';
import { readConfig, Repository } from '../../engine/repo/index.js';
import { FsStore } from '../../engine/store/index.js';
import { S3Store } from '../../engine/store/s3/index.js';
import { applyPolicyTargets, copyFromPolicy, deleteS3Credentials, openS3Target, saveS3Credentials, targetNames } from '../../engine/targets/index.js';
import { loadPolicy } from '../../engine/policy/index.js';
import { safeUserName } from '../../engine/jobs/index.js';
import { hostname } from 'node:os';
import { parseCommand } from '../args.js';
import { CliContext } from '../context.js';
import { formatBytes } from '../output.js';
import { askS3Credentials, S3_TARGET_OPTIONS, targetAddCommand } from './targetAdd.js';
import { describeReport, type ReportLine } from './targetReport.js';

export interface TargetInfo {
  readonly name: string;
  readonly role: 'primary' | 'copy';
  readonly kind: 'fs' | 'appliance' | 's3';
  readonly location: string;
  readonly timing?: 'together' | 'after';
  readonly lock?: S3TargetRef['lock'];
  readonly state?: TargetCounts;
}

export function describeTargets(cfg: HomeConfig, home: string): TargetInfo[] {
  if (!cfg.repo) return [];
  const file = Repository.catalogFile(home, cfg.repo.repoId);
  const catalog = existsSync(file) ? Catalog.open(file) : null;
  try {
    const state = (name: string): { state?: TargetCounts } => (catalog && catalog.targets.isSeeded(name) ? { state: catalog.targets.counts(name) } : {});
    const r = cfg.repo;
    const primary: TargetInfo = isS3Ref(r)
      ? { name: r.name, role: 'primary', kind: 's3', location: s3Location(r), lock: r.lock, ...state(r.name) }
      : { name: primaryName(r), role: 'primary', kind: isApplianceRef(r) ? 'appliance' : 'fs', location: repoLocation(r) };
    return [primary, ...(cfg.copies ?? []).map((c): TargetInfo => ({ name: c.name, role: 'copy', kind: 's3', location: s3Location(c), timing: c.timing, lock: c.lock, ...state(c.name) }))];
  } finally {
    catalog?.close();
  }
}

async function listCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  const targets = describeTargets(await readHomeConfig(ctx.home), ctx.home);
  ctx.out.result({ targets }, () => targets.length === 0
    ? [ctx.out.t('No target: run havre init --repo DIR, havre enroll, or havre target add s3 …', 'Aucune cible : lancez havre init --repo DIR, havre enroll ou havre target add s3 …')]
    : targets.map((t) => {
      const role = t.role === 'primary' ? ctx.out.t('repository', 'dépôt') : ctx.out.t(`copy, sent ${t.timing === 'after' ? 'after each backup' : 'with each backup'}`, `copie, envoyée ${t.timing === 'after' ? 'après chaque sauvegarde' : 'avec chaque sauvegarde'}`);
      const lock = t.kind !== 's3' ? '' : t.lock ? `, Object Lock ${t.lock.mode} ${t.lock.days} d` : ctx.out.t(', no Object Lock', ', sans Object Lock');
      const state = !t.state ? '' : t.state.pending === 0 ? ctx.out.t(', up to date', ', à jour')
        : ctx.out.t(`, ${t.state.pending} object(s) (${formatBytes(t.state.pendingBytes)}) to send`, `, ${t.state.pending} objet(s) (${formatBytes(t.state.pendingBytes)}) à envoyer`);
      return `${t.name}: ${t.location} (${role}${lock}${state})`;
    }));
  return 0;
}

/** Reachability, permissions and lock status of each target (or one). */
async function checkCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  const cfg = await readHomeConfig(ctx.home);
  if (!cfg.repo) throw new HavreError('NO_REPO_CONFIGURED');
  const names = targetNames(cfg);
  const only = positionals[0];
  if (only !== undefined && !names.includes(only)) throw new HavreError('TARGET_UNKNOWN', { name: only, names: names.join(', ') });
  const { keychain, reason } = await ctx.keychain();
  const results: { name: string; ok: boolean; lines: ReportLine[]; warnings: string[] }[] = [];
  const s3Refs: S3TargetRef[] = [...(isS3Ref(cfg.repo) ? [cfg.repo] : []), ...(cfg.copies ?? [])];
  for (const name of names) {
    if (only !== undefined && name !== only) continue;
    const ref = s3Refs.find((r) => r.name === name);
    if (ref) {
      let store: S3Store | null = null;
      try {
        store = await openS3Target(ref, keychain, { ...(reason !== undefined ? { keychainReason: reason } : {}), tuning: ctx.tuning() });
        const report = await store.inspect();
        const d = describeReport(report, ref.lock);
        results.push({ name, ok: report.ok, ...d });
      } catch (e) {
        if (!isHavreError(e)) throw e;
        results.push({ name, ok: false, lines: [{ check: 'open', ok: false, detail: e.userMessage(ctx.out.lang) }], warnings: [] });
      } finally {
        store?.close();
      }
    } else if (!isApplianceRef(cfg.repo) && !isS3Ref(cfg.repo)) {
      try {
        const { config } = await readConfig(await FsStore.open(cfg.repo.path));
        results.push({ name, ok: config.repoId === cfg.repo.repoId, lines: [{ check: 'repository', ok: config.repoId === cfg.repo.repoId, detail: `${cfg.repo.path} (${config.repoId})` }], warnings: [] });
      } catch (e) {
        if (!isHavreError(e)) throw e;
        results.push({ name, ok: false, lines: [{ check: 'repository', ok: false, detail: e.userMessage(ctx.out.lang) }], warnings: [] });
      }
    } else if (isApplianceRef(cfg.repo)) {
      // The appliance: opening the repository proves the certificate, the keys and the store.
      try {
        await new CliContext({ ...values, from: 'appliance' }).withRepo(async () => undefined);
        results.push({ name, ok: true, lines: [{ check: 'appliance', ok: true, detail: cfg.repo.url }], warnings: [] });
      } catch (e) {
        if (!isHavreError(e)) throw e;
        results.push({ name, ok: false, lines: [{ check: 'appliance', ok: false, detail: e.userMessage(ctx.out.lang) }], warnings: [] });
      }
    }
  }
  const ok = results.every((r) => r.ok);
  ctx.out.result({ ok, targets: results }, () => results.flatMap((r) => [
    `${r.name}: ${r.ok ? 'OK' : ctx.out.t('PROBLEM', 'PROBLÈME')}`,
    ...r.lines.map((l) => `  ${l.ok ? '✓' : '✗'} ${l.check}: ${l.detail}`),
    ...r.warnings.map((w) => `  ! ${w}`),
  ]));
  return ok ? 0 : 1;
}

/** Brings every copy up to date now (it also happens after each backup). */
async function syncCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { full: { type: 'boolean', default: false } });
  const ctx = new CliContext(values);
  await ctx.withRepo(async (repo) => {
    // --full: list every copy again instead of trusting the catalog (someone touched the bucket).
    if (values.full) for (const t of ctx.targetsOpened?.set.targets ?? []) if (ctx.targetsOpened?.set.tracked(t)) repo.catalog.targets.forget(t.name);
  }, 'sync');
  const results = ctx.catchUpResults.map((r) => ({ ...r, error: r.error?.toJSON() ?? null }));
  const ok = ctx.catchUpResults.every((r) => r.error === null && r.unreadable === 0);
  ctx.out.result({ ok, targets: results }, () => results.map((r) => r.error
    ? ctx.out.t(`${r.target}: ${r.pending} object(s) still to send — ${r.error.message}`, `${r.target} : ${r.pending} objet(s) encore à envoyer — ${r.error.messageFr}`)
    : ctx.out.t(`${r.target}: up to date (${r.sent} sent, ${formatBytes(r.bytes)}; ${r.deleted} deleted; ${r.locksExtended} lock(s) extended)`,
      `${r.target} : à jour (${r.sent} envoyé(s), ${formatBytes(r.bytes)} ; ${r.deleted} supprimé(s) ; ${r.locksExtended} verrou(s) prolongé(s))`)));
  return ok ? 0 : 1;
}

/** Stops copying to a target. What it holds stays there (its locks say until when). */
async function removeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  const name = positionals[0];
  const cfg = await readHomeConfig(ctx.home);
  const copy = (cfg.copies ?? []).find((c) => c.name === name);
  if (!name || !copy) {
    if (name !== undefined && cfg.repo && primaryName(cfg.repo) === name) throw new HavreError('USAGE', { detail: `${name} holds the repository itself; only copies can be removed` });
    throw new HavreError('TARGET_UNKNOWN', { name: name ?? '', names: targetNames(cfg).join(', ') });
  }
  await writeHomeConfig(ctx.home, { ...cfg, copies: (cfg.copies ?? []).filter((c) => c !== copy) });
  const { keychain } = await ctx.keychain();
  if (keychain) await deleteS3Credentials(keychain, copy);
  const file = Repository.catalogFile(ctx.home, copy.repoId);
  if (existsSync(file)) {
    const catalog = Catalog.open(file);
    try {
      catalog.targets.forget(name);
    } finally {
      catalog.close();
    }
  }
  ctx.out.result({ removed: name, location: s3Location(copy) }, () => [ctx.out.t(`Target ${name} removed; what it holds in ${s3Location(copy)} is left as it is.`,
    `Cible ${name} retirée ; son contenu dans ${s3Location(copy)} est laissé tel quel.`)]);
  return 0;
}

/** A new access key for a target (rotated, revoked or expired). */
async function credentialsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { 'access-key-id': S3_TARGET_OPTIONS['access-key-id'], 'secret-key-stdin': S3_TARGET_OPTIONS['secret-key-stdin'] });
  const ctx = new CliContext(values);
  const cfg = await readHomeConfig(ctx.home);
  const name = positionals[0] ?? '';
  // A cloud copy IT's policy asks for is not in config.json until its key is given: this is how.
  const policyTargets = cfg.repo ? (await loadPolicy({ home: ctx.home })).policy.targets : undefined;
  const fromPolicy = policyTargets?.find((t) => t.name === name);
  const ref = [...(cfg.repo && isS3Ref(cfg.repo) ? [cfg.repo] : []), ...(cfg.copies ?? [])].find((r) => r.name === name)
    ?? (fromPolicy && cfg.repo ? copyFromPolicy(fromPolicy, cfg.repo.repoId, { host: hostname(), user: safeUserName() }) : undefined);
  if (!ref) throw new HavreError('TARGET_UNKNOWN', { name, names: targetNames(cfg).join(', ') });
  const { keychain, reason } = await ctx.keychain();
  if (!keychain) throw new HavreError('S3_NEEDS_CREDENTIALS', { target: name, reason: reason ?? 'none on this computer' });
  const credentials = await askS3Credentials(ctx, values);
  const probe = new S3Store({ endpoint: ref.endpoint, region: ref.region, bucket: ref.bucket, prefix: ref.prefix, addressing: ref.addressing, credentials, lock: ref.lock, targetName: name });
  try {
    await probe.list('config'); // the new key works before the old one is replaced
  } finally {
    probe.close();
  }
  await saveS3Credentials(keychain, ref, credentials);
  // IT's copy, now that its key is here: in place at once (or what still keeps it out, said).
  const policy = fromPolicy ? await applyPolicyTargets({ home: ctx.home, targets: policyTargets, keychain: async () => ({ keychain }), host: hostname(), user: safeUserName() }) : null;
  const problem = policy?.problems.find((p) => p.target === name)?.error ?? null;
  ctx.out.result({ target: name, credentials: 'keychain', ...(policy ? { fromPolicy: true, added: policy.added.includes(name), problem } : {}) }, () => [
    ctx.out.t(`New access key saved for ${name}.`, `Nouvelle clé d’accès enregistrée pour ${name}.`),
    ...(policy?.added.includes(name) ? [ctx.out.t(`The cloud copy ${name} your organisation’s policy asks for is in place; it catches up after the next backup.`,
      `La copie cloud ${name} demandée par la politique de votre organisation est en place ; elle se met à jour après la prochaine sauvegarde.`)] : []),
    ...(problem ? [ctx.out.t(problem.message, problem.messageFr)] : []),
  ]);
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  add: targetAddCommand,
  list: listCommand,
  check: checkCommand,
  sync: syncCommand,
  remove: removeCommand,
  credentials: credentialsCommand,
};

export async function targetCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const run = sub !== undefined ? SUBCOMMANDS[sub] : undefined;
  if (!run) throw new HavreError('USAGE', { detail: `havre target takes one of: ${Object.keys(SUBCOMMANDS).join(', ')}` });
  return run(rest);
}
