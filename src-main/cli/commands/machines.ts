import { sessionMachines, type MachineRef } from '../../engine/appliance/index.js';
import type { MachineSummary } from '../../engine/appliance/protocol.js';
import { isApplianceRef, readHomeConfig } from '../../engine/home/homeConfig.js';
import { parseCommand, SESSION_OPTIONS } from '../args.js';
import { CliContext } from '../context.js';

/**
 * `havre machines --as user|admin`: the machines whose backups a user (theirs, no password needed:
 * the appliance tells anyone asking which machines a name has) or the administrator (all) can restore.
 */
export async function machinesCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, SESSION_OPTIONS);
  const ctx = new CliContext(values);
  const role = ctx.role();
  const cfg = await readHomeConfig(ctx.home);
  const enrolled = cfg.repo && isApplianceRef(cfg.repo) ? cfg.repo : undefined;
  const password = role === 'admin' ? await ctx.askPassword({ en: 'Administrator password: ', fr: 'Mot de passe administrateur : ' }) : '';
  const { url, machines } = await sessionMachines({ home: ctx.home, role, password, ...ctx.sessionUrl(), ...(enrolled ? { enrolled } : {}),
    ...(values.user !== undefined ? { user: values.user } : {}) });
  const self = (m: MachineRef | MachineSummary): boolean => enrolled?.machineId === m.machineId && enrolled.url === url;
  ctx.out.result(machines.map((m) => ({ ...m, thisMachine: self(m) })), () =>
    machines.length === 0
      ? [ctx.out.t('No machine.', 'Aucun poste.')]
      : machines.map((m) => `${m.machineId}  ${m.host.padEnd(20)} ${m.user.padEnd(12)} ${ctx.out.t('enrolled', 'enrôlé')} ${m.enrolled.slice(0, 10)}  ` +
        `${ctx.out.t('last seen', 'vu')} ${m.lastSeen ? m.lastSeen.replace('T', ' ').slice(0, 16) : '—'}${m.revoked ? ctx.out.t('  REVOKED', '  RÉVOQUÉ') : ''}${self(m) ? ctx.out.t('  (this machine)', '  (ce poste)') : ''}`));
  return 0;
}
