import { ApplianceError } from '../../errors/index.js';
import { noMorePositionals, numberArg, parseCommand, positional } from '../args.js';
import { withAppliance } from '../open.js';
import { Output, shortTime } from '../output.js';

/** `alerts [--all]` lists open or undelivered alerts (all of them with --all); `alerts close ID`. */
export async function alertsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { all: { type: 'boolean', default: false } });
  const out = new Output(values.json);
  return withAppliance(values.data, (app) => {
    if (positionals[0] === 'close') {
      const id = numberArg(positional(positionals, 1, 'the alert id'), 'the alert id', { integer: true, min: 1 });
      noMorePositionals(positionals, 2);
      if (!app.alerts.close(id)) throw new ApplianceError('NOT_FOUND', { what: `open alert ${id}` });
      const a = app.alerts.get(id)!;
      out.result(a, () => [out.t(`Alert ${id} closed.`, `Alerte ${id} fermée.`)]);
      return 0;
    }
    if (positionals[0] !== undefined && positionals[0] !== 'list') throw new ApplianceError('USAGE', { detail: `unknown alerts command “${positionals[0]}”` });
    noMorePositionals(positionals, 1);
    const alerts = app.alerts.list({ all: values.all });
    out.result({ alerts }, () =>
      alerts.length === 0
        ? [values.all ? out.t('No alerts.', 'Aucune alerte.') : out.t('No open alerts.', 'Aucune alerte ouverte.')]
        : alerts.map((a) => {
            const state = a.open ? out.t('open', 'ouverte') : out.t('closed', 'fermée');
            const delivery = a.delivery === 'none' ? out.t('no sink', 'aucun envoi configuré') : a.delivery === 'delivered' ? out.t('delivered', 'envoyée') : `${out.t('not delivered yet', 'pas encore envoyée')}${a.lastError ? ` (${a.lastError})` : ''}`;
            return `#${a.id}  ${shortTime(a.time)}  ${a.type}  [${state}, ${delivery}]\n    ${a.message}`;
          }),
    );
    return 0;
  });
}
