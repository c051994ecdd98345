import { ApplianceError } from '../../errors/index.js';
import { noMorePositionals, numberArg, parseCommand, positional } from '../args.js';
import { withAppliance } from '../open.js';
import { formatBytes, Output, shortTime, table } from '../output.js';

export async function deletionsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { all: { type: 'boolean', default: false }, machine: { type: 'string' } });
  const out = new Output(values.json);
  const sub = positionals[0] ?? 'list';
  return withAppliance(values.data, async (app) => {
    switch (sub) {
      case 'list': {
        noMorePositionals(positionals, 1);
        const machineId = values.machine !== undefined ? app.machines.resolveId(values.machine) : undefined;
        const deletions = app.deletions.list({ all: values.all, ...(machineId ? { machineId } : {}) });
        out.result({ deletions }, () =>
          deletions.length === 0
            ? [out.t('No pending deletion requests.', 'Aucune demande de suppression en attente.')]
            : table(
                ['ID', 'MACHINE', 'OBJECT', 'SIZE', 'REQUESTED', 'APPLY AFTER', 'STATE'],
                deletions.map((d) => [String(d.id), d.machineId.slice(0, 8), `${d.kind}/${d.name.slice(0, 16)}…`, formatBytes(d.size), shortTime(d.requested), shortTime(d.applyAfter), d.state]),
              ),
        );
        return 0;
      }
      case 'cancel': {
        const id = numberArg(positional(positionals, 1, 'the deletion request id (see `havre-appliance deletions list`)'), 'the deletion id', { integer: true, min: 1 });
        noMorePositionals(positionals, 2);
        const d = app.deletions.cancel(id, 'admin-cli');
        out.result(d, () => [out.t(`Deletion ${id} cancelled: ${d.kind}/${d.name} is visible again to machine ${d.machineId}.`, `Suppression ${id} annulée : ${d.kind}/${d.name} est de nouveau visible pour le poste ${d.machineId}.`)]);
        return 0;
      }
      case 'apply': {
        noMorePositionals(positionals, 1);
        const applied = await app.deletions.applyDue();
        out.result({ applied }, () => [out.t(`${applied} due deletion(s) applied.`, `${applied} suppression(s) échue(s) appliquée(s).`)]);
        return 0;
      }
      default:
        throw new ApplianceError('USAGE', { detail: `unknown deletions command “${sub}”` });
    }
  });
}
