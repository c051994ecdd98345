import { restorePasswordStatus, setRestorePassword } from '../../engine/appliance/index.js';
import { HavreError } from '../../engine/errors/index.js';
import { parseCommand } from '../args.js';
import { CliContext } from '../context.js';
import { promptHidden } from '../secrets.js';

/**
 * `havre password`: whether this machine's user has a restore password on the appliance;
 * `havre password set`: choose it (after a silent enrollment by IT) or change it. The new password
 * comes from --password-stdin / HAVRE_PASSWORD or the terminal (twice); the current one, when
 * there is one, from HAVRE_CURRENT_PASSWORD or the terminal.
 */
export async function passwordCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  const action = positionals[0] ?? 'status';
  if (action !== 'status' && action !== 'set') throw new HavreError('USAGE', { detail: `havre password [status | set], not “${action}”` });
  const { keychain, reason } = await ctx.keychain();
  const access = { home: ctx.home, keychain, ...(reason !== undefined ? { keychainReason: reason } : {}), tuning: ctx.tuning() };
  const status = await restorePasswordStatus(access);
  if (action === 'status') {
    ctx.out.result(status, () => [status.passwordSet
      ? ctx.out.t('A restore password is set: it restores your files from any computer (havre restore --as user …).',
        'Un mot de passe de restauration est défini : il restaure vos fichiers depuis n’importe quel ordinateur (havre restore --as user …).')
      : ctx.out.t(new HavreError('RESTORE_PASSWORD_UNSET').userMessage('en'), new HavreError('RESTORE_PASSWORD_UNSET').userMessage('fr'))]);
    return 0;
  }
  let currentPassword: string | undefined;
  if (status.passwordSet) {
    currentPassword = process.env.HAVRE_CURRENT_PASSWORD || undefined;
    if (currentPassword === undefined && process.stdin.isTTY) currentPassword = await promptHidden(ctx.out.t('Current restore password: ', 'Mot de passe de restauration actuel : '));
    if (currentPassword === undefined) throw new HavreError('RESTORE_PASSWORD_CHOSEN');
  }
  const password = await ctx.chooseNewPassword({ en: 'New restore password: ', fr: 'Nouveau mot de passe de restauration : ' });
  const testKdf = process.env.HAVRE_INSECURE_TEST_KDF === '1';
  const r = await setRestorePassword({ ...access, password, ...(currentPassword !== undefined ? { currentPassword } : {}), ...(testKdf ? { kdf: 'test' as const } : {}) });
  ctx.out.result({ ...r, passwordSet: true }, () => [r.first
    ? ctx.out.t('Your restore password is set: it restores your files from any computer (havre restore --as user …).',
      'Votre mot de passe de restauration est défini : il restaure vos fichiers depuis n’importe quel ordinateur (havre restore --as user …).')
    : ctx.out.t('Your restore password was changed; the old one no longer works.', 'Votre mot de passe de restauration a été changé ; l’ancien ne fonctionne plus.')]);
  return 0;
}
