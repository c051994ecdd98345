import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { HavreError } from '../../engine/errors/index.js';
import { safeUserName } from '../../engine/jobs/index.js';
import { initRepository } from '../../engine/repo/index.js';
import { parseCommand } from '../args.js';
import { CliContext } from '../context.js';
import { writeHomeConfig } from '../../engine/home/homeConfig.js';

export async function initCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  if (!values.repo) throw new HavreError('USAGE', { detail: 'havre init needs --repo DIR' });
  const path = resolve(values.repo);
  const password = await ctx.chooseNewPassword({ en: 'Choose a password: ', fr: 'Choisissez un mot de passe : ' });
  const { keychain, reason } = await ctx.keychain();
  const testKdf = process.env.HAVRE_INSECURE_TEST_KDF === '1';
  if (testKdf) ctx.out.warn('Warning: HAVRE_INSECURE_TEST_KDF=1 — weak password hashing, for tests only.', 'Attention : HAVRE_INSECURE_TEST_KDF=1 — hachage du mot de passe faible, réservé aux tests.');
  const r = await initRepository(path, { password, userName: safeUserName(), host: hostname(), keychain, kdf: testKdf ? 'test' : 'default' });
  await writeHomeConfig(ctx.home, { version: 1, repo: { path, repoId: r.repoId } });
  const keychainState = r.keychainSaved ? 'saved' : 'unavailable';
  const keychainReason = r.keychainError?.message ?? reason;
  ctx.out.result({ repo: path, repoId: r.repoId, recoveryKey: r.recoveryKey, keychain: keychainState, ...(keychainReason ? { keychainReason } : {}), home: ctx.home }, () => [
    ctx.out.t(`Created repository ${path}`, `Dépôt créé : ${path}`),
    '',
    ctx.out.t('RECOVERY KEY — write it down and keep it safe. It is shown only this once;', 'CLÉ DE SECOURS — notez-la et gardez-la en lieu sûr. Elle n’est affichée qu’une fois ;'),
    ctx.out.t('with it you can read your backups if you forget your password.', 'elle permet de lire vos sauvegardes si vous oubliez votre mot de passe.'),
    '',
    `    ${r.recoveryKey}`,
    '',
    r.keychainSaved
      ? ctx.out.t('This machine’s key is in the OS keychain: no password needed for daily backups.', 'La clé de ce poste est dans le trousseau du système : pas de mot de passe pour les sauvegardes quotidiennes.')
      : ctx.out.t(`No OS keychain here (${keychainReason ?? 'unknown'}): give the password each time (HAVRE_PASSWORD or --password-stdin).`,
        `Pas de trousseau ici (${keychainReason ?? 'inconnu'}) : donnez le mot de passe à chaque fois (HAVRE_PASSWORD ou --password-stdin).`),
  ]);
  return 0;
}
