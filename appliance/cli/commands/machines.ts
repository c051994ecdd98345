import type { MachineInfo } from '../../domain/Machines.js';
import { ApplianceError } from '../../errors/index.js';
import { bytesArg, noMorePositionals, numberArg, parseCommand, positional } from '../args.js';
import { withAppliance } from '../open.js';
import { formatBytes, Output, shortTime, table } from '../output.js';

function describe(m: MachineInfo, out: Output): string[] {
  return [
    `${m.machineId}  ${m.host} (${m.user})${m.revoked ? `  ${out.t('REVOKED', 'RÉVOQUÉ')} ${shortTime(m.revokedAt)}` : ''}`,
    `  ${out.t('enrolled', 'enrôlé')} ${shortTime(m.enrolled)}, ${out.t('last seen', 'vu')} ${shortTime(m.lastSeen)}`,
    `  ${out.t('used', 'utilisé')} ${formatBytes(m.usedBytes)} / ${m.quotaBytes === null ? out.t('no quota', 'sans quota') : formatBytes(m.quotaBytes)}, ${out.t('allowed silence', 'silence permis')} ${m.maxSilenceHours} h`,
    `  ${out.t('events', 'événements')} ${m.eventHead.seq}, ${out.t('certificate until', 'certificat jusqu’au')} ${shortTime(m.certificateExpires)}`,
  ];
}

export async function machinesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  const out = new Output(values.json);
  const sub = positional(positionals, 0, 'a machines command: list, show, revoke, quota or silence');
  return withAppliance(values.data, (app) => {
    const target = (): string => app.machines.resolveId(positional(positionals, 1, 'the machine id (see `havre-appliance machines list`)'));
    switch (sub) {
      case 'list': {
        noMorePositionals(positionals, 1);
        const machines = app.machines.list();
        out.result({ machines }, () =>
          machines.length === 0
            ? [out.t('No machines enrolled.', 'Aucun poste enrôlé.')]
            : table(
                ['ID', 'HOST', 'USER', 'ENROLLED', 'LAST SEEN', 'USED', 'QUOTA', 'STATE'],
                machines.map((m) => [m.machineId, m.host, m.user, shortTime(m.enrolled), shortTime(m.lastSeen), formatBytes(m.usedBytes), m.quotaBytes === null ? '—' : formatBytes(m.quotaBytes), m.revoked ? 'revoked' : 'active']),
              ),
        );
        return 0;
      }
      case 'show': {
        const id = target();
        noMorePositionals(positionals, 2);
        const m = app.machines.info(id);
        out.result(m, () => describe(m, out));
        return 0;
      }
      case 'revoke': {
        const id = target();
        noMorePositionals(positionals, 2);
        const m = app.machines.revoke(id, 'admin-cli');
        out.result(m, () => [out.t(`Machine ${m.host} (${m.machineId}) is revoked: its certificate no longer opens anything. Its backups stay; its user can still restore them.`,
          `Le poste ${m.host} (${m.machineId}) est révoqué : son certificat n’ouvre plus rien. Ses sauvegardes restent ; son utilisateur peut toujours les restaurer.`)]);
        return 0;
      }
      case 'quota': {
        const id = target();
        const bytes = bytesArg(positional(positionals, 2, 'a quota in bytes (or “none”)'));
        noMorePositionals(positionals, 3);
        const m = app.machines.setQuota(id, bytes, 'admin-cli');
        out.result(m, () => [`${m.host} (${m.machineId}): ${out.t('quota', 'quota')} ${m.quotaBytes === null ? out.t('none', 'aucun') : formatBytes(m.quotaBytes)}, ${out.t('used', 'utilisé')} ${formatBytes(m.usedBytes)}`]);
        return 0;
      }
      case 'silence': {
        const id = target();
        const hours = numberArg(positional(positionals, 2, 'the allowed silence in hours'), 'the allowed silence');
        noMorePositionals(positionals, 3);
        const m = app.machines.setMaxSilence(id, hours, 'admin-cli');
        out.result(m, () => [`${m.host} (${m.machineId}): ${out.t('allowed silence', 'silence permis')} ${m.maxSilenceHours} h`]);
        return 0;
      }
      default:
        throw new ApplianceError('USAGE', { detail: `unknown machines command “${sub}”` });
    }
  });
}
