import { ApplianceError } from '../../errors/index.js';
import { noMorePositionals, numberArg, parseCommand, positional } from '../args.js';
import { withAppliance } from '../open.js';
import { Output, shortTime, table } from '../output.js';

export async function tokensCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { ttl: { type: 'string' }, note: { type: 'string' }, uses: { type: 'string' } });
  const out = new Output(values.json);
  const sub = positional(positionals, 0, 'a tokens command: create, list or revoke');
  return withAppliance(values.data, (app) => {
    switch (sub) {
      case 'create': {
        noMorePositionals(positionals, 1);
        const ttlHours = values.ttl !== undefined ? numberArg(values.ttl, '--ttl') : undefined;
        const uses = values.uses !== undefined ? numberArg(values.uses, '--uses') : undefined;
        const { token, info } = app.tokens.create({ ...(ttlHours !== undefined ? { ttlHours } : {}), ...(values.note !== undefined ? { note: values.note } : {}),
          ...(uses !== undefined ? { uses } : {}) }, 'admin-cli');
        out.result({ token, ...info }, () => [
          info.maxUses === 1
            ? out.t('Enrollment token (single use; give it to the workstation’s installer):', 'Jeton d’enrôlement (usage unique ; à donner à l’installation du poste) :')
            : out.t(`Enrollment token for up to ${info.maxUses} machines (installer command line or machine policy; revoke it after the deployment):`,
              `Jeton d’enrôlement pour ${info.maxUses} postes au plus (ligne de commande d’installation ou politique machine ; révoquez-le après le déploiement) :`),
          '',
          `    ${token}`,
          '',
          `${out.t('Expires', 'Expire')}: ${info.expires}${info.note ? `   ${out.t('Note', 'Note')}: ${info.note}` : ''}`,
        ]);
        return 0;
      }
      case 'list': {
        noMorePositionals(positionals, 1);
        const tokens = app.tokens.list();
        out.result({ tokens }, () =>
          tokens.length === 0
            ? [out.t('No tokens.', 'Aucun jeton.')]
            : table(['ID', 'STATE', 'CREATED', 'EXPIRES', 'MACHINE', 'USES', 'NOTE'], tokens.map((x) => [x.id, x.state, shortTime(x.created), shortTime(x.expires), x.machineId?.slice(0, 8) ?? '—', `${x.uses}/${x.maxUses}`, x.note ?? ''])),
        );
        return 0;
      }
      case 'revoke': {
        const id = positional(positionals, 1, 'the token id (see `havre-appliance tokens list`)');
        noMorePositionals(positionals, 2);
        const info = app.tokens.revoke(id, 'admin-cli');
        out.result(info, () => [info.state === 'revoked' ? out.t(`Token ${id} revoked.`, `Jeton ${id} révoqué.`) : out.t(`Token ${id} is ${info.state}; nothing to revoke.`, `Le jeton ${id} est ${info.state} ; rien à révoquer.`)]);
        return 0;
      }
      default:
        throw new ApplianceError('USAGE', { detail: `unknown tokens command “${sub}”` });
    }
  });
}
