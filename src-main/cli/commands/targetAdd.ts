// `havre target add s3 ...`: a cloud copy of the configured repository, or, with no repository yet,
// a cloud-only repository (created, or joined when the bucket already holds this machine's).
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { HavreError, isHavreError } from '../../engine/errors/index.js';
import { primaryName, readHomeConfig, writeHomeConfig, type CopyRef, type HomeConfig, type S3TargetRef } from '../../engine/home/homeConfig.js';
import { safeUserName } from '../../engine/jobs/index.js';
import { initRepositoryIn, readConfig } from '../../engine/repo/index.js';
import type { ObjectLockPolicy } from '../../engine/store/index.js';
import { normalisePrefix, S3Store, type S3Credentials } from '../../engine/store/s3/index.js';
import { ENV_ACCESS_KEY_ID, ENV_SECRET_ACCESS_KEY, refuseIfUnfit, saveS3Credentials, targetNames } from '../../engine/targets/index.js';
import { intOption, parseCommand } from '../args.js';
import { CliContext } from '../context.js';
import { promptHidden, readStdin } from '../secrets.js';
import { describeReport } from './targetReport.js';

export const S3_TARGET_OPTIONS = {
  endpoint: { type: 'string' },
  bucket: { type: 'string' },
  prefix: { type: 'string' },
  region: { type: 'string' },
  name: { type: 'string' },
  addressing: { type: 'string' },
  'ca-file': { type: 'string' },
  'lock-mode': { type: 'string' },
  'lock-days': { type: 'string' },
  'no-lock': { type: 'boolean', default: false },
  copy: { type: 'string' },
  'access-key-id': { type: 'string' },
  'secret-key-stdin': { type: 'boolean', default: false },
  'parallel-uploads': { type: 'string' },
} as const;

const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** The access key from the flags, the environment or the terminal. */
export async function askS3Credentials(ctx: CliContext, values: { 'access-key-id'?: string | undefined; 'secret-key-stdin'?: boolean | undefined }): Promise<S3Credentials> {
  const accessKeyId = values['access-key-id'] ?? process.env[ENV_ACCESS_KEY_ID] ?? (process.stdin.isTTY ? await promptHidden(ctx.out.t('Access key id: ', 'Identifiant de clé d’accès : ')) : undefined);
  if (!accessKeyId) throw new HavreError('USAGE', { detail: `give the access key with --access-key-id ID (or ${ENV_ACCESS_KEY_ID})` });
  const secretAccessKey = values['secret-key-stdin'] ? await readStdin() : process.env[ENV_SECRET_ACCESS_KEY]
    ?? (process.stdin.isTTY ? await promptHidden(ctx.out.t('Secret access key: ', 'Clé d’accès secrète : ')) : undefined);
  if (!secretAccessKey) throw new HavreError('USAGE', { detail: `give the secret key with --secret-key-stdin (or ${ENV_SECRET_ACCESS_KEY})` });
  return { accessKeyId, secretAccessKey };
}

function lockPolicy(values: { 'no-lock'?: boolean | undefined; 'lock-mode'?: string | undefined; 'lock-days'?: string | undefined }): ObjectLockPolicy | null {
  if (values['no-lock']) {
    if (values['lock-mode'] !== undefined || values['lock-days'] !== undefined) throw new HavreError('USAGE', { detail: '--no-lock excludes --lock-mode and --lock-days' });
    return null;
  }
  const mode = (values['lock-mode'] ?? 'governance').toUpperCase();
  if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') throw new HavreError('USAGE', { detail: '--lock-mode takes governance or compliance' });
  return { mode, days: intOption(values['lock-days'], 'lock-days', 1) ?? 30 };
}

export async function targetAddCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, S3_TARGET_OPTIONS);
  const ctx = new CliContext(values);
  if (positionals[0] !== 's3' || positionals.length !== 1) throw new HavreError('USAGE', { detail: 'havre target add s3 --endpoint URL --bucket NAME [--prefix P]' });
  if (!values.endpoint || !values.bucket) throw new HavreError('USAGE', { detail: 'havre target add s3 needs --endpoint URL and --bucket NAME' });
  const cfg = await readHomeConfig(ctx.home);
  const name = values.name ?? 'cloud';
  if (!NAME.test(name) || name === 'local' || name === 'appliance') throw new HavreError('USAGE', { detail: `a target name is 1–32 lower-case letters, digits, - or _, and not local or appliance: “${name}”` });
  if (targetNames(cfg).includes(name)) throw new HavreError('TARGET_EXISTS', { name });
  const timing = values.copy ?? 'together';
  if (timing !== 'together' && timing !== 'after') throw new HavreError('USAGE', { detail: '--copy takes together or after' });
  const addressing = values.addressing ?? 'path';
  if (addressing !== 'path' && addressing !== 'virtual') throw new HavreError('USAGE', { detail: '--addressing takes path or virtual' });
  const lock = lockPolicy(values);
  const parallel = intOption(values['parallel-uploads'], 'parallel-uploads', 1);
  const caFile = values['ca-file'] !== undefined ? resolve(values['ca-file']) : undefined;
  const caPem = caFile !== undefined ? await readFile(caFile, 'utf8').catch(() => { throw new HavreError('USAGE', { detail: `cannot read ${caFile}` }); }) : undefined;
  const where = { endpoint: values.endpoint, region: values.region ?? 'us-east-1', bucket: values.bucket, prefix: normalisePrefix(values.prefix ?? ''), addressing } as const;
  const credentials = await askS3Credentials(ctx, values);
  const store = new S3Store({ ...where, ...(caPem !== undefined ? { caPem } : {}), credentials, lock, targetName: name });
  try {
    const report = await store.inspect();
    refuseIfUnfit(report, lock, where.bucket);
    const warnings = describeReport(report, lock).warnings;
    // What the prefix holds decides: a copy of this repository, or a repository of its own.
    let existing: string | null = null;
    try {
      existing = (await readConfig(store)).config.repoId;
    } catch (e) {
      if (!isHavreError(e, 'NOT_A_REPO')) throw e;
    }
    const { keychain, reason } = await ctx.keychain();
    const base = { kind: 's3' as const, name, ...where, ...(caFile !== undefined ? { caFile } : {}), lock, ...(parallel !== undefined ? { parallel } : {}) };
    let next: HomeConfig;
    let created: { recoveryKey: string; keychainSaved: boolean } | null = null;
    let ref: S3TargetRef;
    if (cfg.repo) {
      const repoId = cfg.repo.repoId;
      if (existing !== null && existing !== repoId) throw new HavreError('S3_PREFIX_TAKEN', { bucket: where.bucket, prefix: where.prefix, repoId: existing });
      const copy: CopyRef = { ...base, repoId, timing };
      ref = copy;
      next = { ...cfg, copies: [...(cfg.copies ?? []), copy] };
    } else if (existing !== null) {
      ref = { ...base, repoId: existing }; // this machine's cloud repository, joined again
      next = { ...cfg, repo: ref };
    } else {
      const password = await ctx.askPassword({ en: 'Choose a password: ', fr: 'Choisissez un mot de passe : ' });
      const testKdf = process.env.HAVRE_INSECURE_TEST_KDF === '1';
      const r = await initRepositoryIn(store, { password, userName: safeUserName(), host: hostname(), keychain, kdf: testKdf ? 'test' : 'default' });
      created = { recoveryKey: r.recoveryKey, keychainSaved: r.keychainSaved };
      ref = { ...base, repoId: r.repoId };
      next = { ...cfg, repo: ref };
    }
    let saved = false;
    if (keychain) {
      await saveS3Credentials(keychain, ref, credentials);
      saved = true;
    }
    await writeHomeConfig(ctx.home, next);
    const role = cfg.repo ? 'copy' : 'primary';
    ctx.out.result({ target: name, role, ...(role === 'copy' ? { timing } : {}), repoId: ref.repoId, endpoint: where.endpoint, bucket: where.bucket, prefix: where.prefix,
      lock, versioning: report.versioning.status, objectLock: report.objectLock.enabled, credentials: saved ? 'keychain' : 'environment', warnings,
      ...(created ? { recoveryKey: created.recoveryKey } : {}) }, () => [
      role === 'copy'
        ? ctx.out.t(`Target ${name} added: a copy of the ${primaryName(cfg.repo!)} repository in s3://${where.bucket}/${where.prefix}, sent ${timing === 'together' ? 'with each backup' : 'after each backup'}.`,
          `Cible ${name} ajoutée : une copie du dépôt ${primaryName(cfg.repo!)} dans s3://${where.bucket}/${where.prefix}, envoyée ${timing === 'together' ? 'avec chaque sauvegarde' : 'après chaque sauvegarde'}.`)
        : ctx.out.t(`Target ${name} is this computer’s repository: s3://${where.bucket}/${where.prefix}.`, `La cible ${name} est le dépôt de cet ordinateur : s3://${where.bucket}/${where.prefix}.`),
      lock ? ctx.out.t(`Every object is locked (${lock.mode}) for ${lock.days} days, and kept locked while it is in use.`, `Chaque objet est verrouillé (${lock.mode}) pendant ${lock.days} jours, et le reste tant qu’il sert.`)
        : ctx.out.t('Warning: no Object Lock — anyone with the key could delete these backups.', 'Attention : pas d’Object Lock — quiconque a la clé pourrait effacer ces sauvegardes.'),
      ...warnings.map((w) => ctx.out.t(`Warning: ${w}`, `Attention : ${w}`)),
      saved ? ctx.out.t('The access key is in the OS keychain.', 'La clé d’accès est dans le trousseau du système.')
        : ctx.out.t(`No OS keychain (${reason ?? 'unknown'}): give the key at each run in ${ENV_ACCESS_KEY_ID} and ${ENV_SECRET_ACCESS_KEY}.`,
          `Pas de trousseau (${reason ?? 'inconnu'}) : donnez la clé à chaque lancement dans ${ENV_ACCESS_KEY_ID} et ${ENV_SECRET_ACCESS_KEY}.`),
      ...(created ? ['', ctx.out.t('RECOVERY KEY — write it down and keep it safe. It is shown only this once:', 'CLÉ DE SECOURS — notez-la et gardez-la en lieu sûr. Elle n’est affichée qu’une fois :'), '', `    ${created.recoveryKey}`, ''] : []),
      role === 'copy' ? ctx.out.t('The copy catches up at the next backup, or now with: havre target sync', 'La copie se met à jour à la prochaine sauvegarde, ou tout de suite avec : havre target sync') : '',
    ].filter((l) => l !== ''));
    return 0;
  } finally {
    store.close();
  }
}
