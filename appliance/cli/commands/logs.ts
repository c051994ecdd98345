import { noMorePositionals, numberArg, parseCommand } from '../args.js';
import { withAppliance } from '../open.js';
import { Output, shortTime } from '../output.js';

/** The appliance's own log and the machines' events, newest first. */
export async function logsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { machine: { type: 'string' }, limit: { type: 'string' } });
  noMorePositionals(positionals, 0);
  const out = new Output(values.json);
  const limit = values.limit !== undefined ? numberArg(values.limit, '--limit', { integer: true, min: 1 }) : 100;
  return withAppliance(values.data, (app) => {
    const machineId = values.machine !== undefined ? app.machines.resolveId(values.machine) : undefined;
    const opts = { ...(machineId ? { machineId } : {}), limit };
    const log = app.log.list(opts);
    const events = app.events.list(opts);
    out.result({ log, events }, () => [
      out.t('Appliance log:', 'Journal de l’appliance :'),
      ...(log.length === 0 ? ['  —'] : log.map((e) => `  ${shortTime(e.time)}  ${e.actor.padEnd(9)}  ${e.action.padEnd(20)}  ${e.machineId?.slice(0, 8) ?? '        '}  ${JSON.stringify(e.detail)}`)),
      '',
      out.t('Machine events:', 'Événements des postes :'),
      ...(events.length === 0
        ? ['  —']
        : events.map((e) => `  ${e.time}  ${e.machineId.slice(0, 8)}  #${String(e.seq).padEnd(6)} ${e.chainOk ? '  ' : out.t('!! chain break', '!! rupture de chaîne')} ${e.type}  ${JSON.stringify(e.data)}`)),
    ]);
    return 0;
  });
}
