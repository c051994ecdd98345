import { hostname } from 'node:os';
import { enrollMachine } from '../../engine/appliance/index.js';
import { enrollFromPolicy, loadPolicy } from '../../engine/policy/index.js';
import { HavreError } from '../../engine/errors/index.js';
import { isApplianceRef, readHomeConfig, repoLocation } from '../../engine/home/homeConfig.js';
import { safeUserName } from '../../engine/jobs/index.js';
import { parseCommand } from '../args.js';
import { CliContext } from '../context.js';

/** `havre enroll --appliance URL --token TOKEN [--user NAME]`: this machine joins its appliance. */
export async function enrollCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { appliance: { type: 'string' }, token: { type: 'string' }, user: { type: 'string' }, 'from-policy': { type: 'boolean' } });
  const ctx = new CliContext(values);
  if (values['from-policy']) {
    if (values.appliance || values.token) throw new HavreError('USAGE', { detail: '--from-policy takes the appliance and the token from the machine policy; give neither' });
    return enrollFromPolicyCommand(ctx, values.user);
  }
  if (!values.appliance) throw new HavreError('USAGE', { detail: 'havre enroll needs --appliance URL' });
  if (!values.token) throw new HavreError('USAGE', { detail: 'havre enroll needs --token TOKEN (from IT)' });
  const password = await ctx.chooseNewPassword({ en: 'Choose your backup password: ', fr: 'Choisissez votre mot de passe de sauvegarde : ' });
  // The keychain keeps this machine's keys: without one, stop before the token is used.
  const { keychain, reason } = await ctx.keychain();
  if (!keychain) throw new HavreError('ENROLL_NEEDS_KEYCHAIN', { reason: reason ?? 'unknown' });
  const testKdf = process.env.HAVRE_INSECURE_TEST_KDF === '1';
  if (testKdf) ctx.out.warn('Warning: HAVRE_INSECURE_TEST_KDF=1 — weak password hashing, for tests only.', 'Attention : HAVRE_INSECURE_TEST_KDF=1 — hachage du mot de passe faible, réservé aux tests.');
  const before = (await readHomeConfig(ctx.home)).repo;
  const user = values.user ?? safeUserName();
  const host = hostname();
  const r = await enrollMachine({ url: values.appliance, token: values.token, user, host, password, keychain, home: ctx.home, ...(testKdf ? { kdf: 'test' as const } : {}) });
  ctx.out.result({ machineId: r.ref.machineId, applianceId: r.ref.applianceId, appliance: r.ref.url, repoId: r.ref.repoId, caFingerprint: r.ref.caFingerprint,
    user, host, heartbeatSeconds: r.heartbeatSeconds, configSpooled: r.configSpooled, home: ctx.home,
    ...(before && !isApplianceRef(before) ? { previousRepo: repoLocation(before) } : {}) }, () => [
    ctx.out.t(`Enrolled: machine ${r.ref.machineId} (${host}, user ${user}) on the appliance ${r.ref.url}.`,
      `Enrôlé : poste ${r.ref.machineId} (${host}, utilisateur ${user}) sur l’appliance ${r.ref.url}.`),
    ctx.out.t('This machine’s keys are in the OS keychain; daily backups need no password.',
      'Les clés de ce poste sont dans le trousseau du système ; les sauvegardes quotidiennes se passent de mot de passe.'),
    ctx.out.t('Your password restores your files from any computer: havre restore --as user …',
      'Votre mot de passe restaure vos fichiers depuis n’importe quel ordinateur : havre restore --as user …'),
    ...(r.configSpooled ? [ctx.out.t('The appliance went away during enrollment: the last step waits on this computer and is sent at the next run.',
      'L’appliance a disparu pendant l’enrôlement : la dernière étape attend sur cet ordinateur et sera envoyée au prochain lancement.')] : []),
    ...(before && !isApplianceRef(before) ? [ctx.out.t(`Backups now go to the appliance; the repository at ${repoLocation(before)} is left as it is.`,
      `Les sauvegardes vont désormais sur l’appliance ; le dépôt ${repoLocation(before)} est laissé tel quel.`)] : []),
    ctx.out.t('The machine is ready: havre backup PATH…', 'Le poste est prêt : havre backup CHEMIN…'),
  ]);
  return 0;
}

/** `havre enroll --from-policy`: one attempt now of the silent enrollment (IT's scripts, after an install). */
async function enrollFromPolicyCommand(ctx: CliContext, user: string | undefined): Promise<number> {
  const effective = await loadPolicy({ home: ctx.home });
  for (const p of effective.problems) ctx.out.warn(p.message, p.messageFr);
  const { keychain, reason } = await ctx.keychain();
  const testKdf = process.env.HAVRE_INSECURE_TEST_KDF === '1';
  const o = await enrollFromPolicy({ home: ctx.home, policy: effective.policy, keychain, ...(reason !== undefined ? { keychainReason: reason } : {}),
    user: user ?? safeUserName(), host: hostname(), force: true, ...(testKdf ? { kdf: 'test' as const } : {}) });
  if (o.state === 'not-configured') throw new HavreError('USAGE', { detail: 'the machine policy names no appliance with an enrollment token (see havre policy)' });
  ctx.out.result(o, () => [o.state === 'enrolled' ? ctx.out.t(`Enrolled: machine ${o.machineId}${o.already ? ' (already)' : ''}.`, `Enrôlé : poste ${o.machineId}${o.already ? ' (déjà)' : ''}.`)
    : o.state === 'busy' ? ctx.out.t('Another Havre process is enrolling this account right now.', 'Un autre processus Havre enrôle ce compte en ce moment.')
      : ctx.out.t(o.error.message, o.error.messageFr)]);
  return o.state === 'enrolled' ? 0 : 1;
}
