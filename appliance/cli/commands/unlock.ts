import { ApplianceError } from '../../errors/index.js';
import { noMorePositionals, parseCommand, positional } from '../args.js';
import { withAppliance } from '../open.js';
import { Output } from '../output.js';

/** `users unlock MACHINE_ID` and `admin unlock`: the administrator lifts a lockout. */
export function unlockCommand(scope: 'users' | 'admin') {
  return async (argv: string[]): Promise<number> => {
    const { values, positionals } = parseCommand(argv, {});
    const out = new Output(values.json);
    const sub = positional(positionals, 0, `a ${scope} command: unlock`);
    if (sub !== 'unlock') throw new ApplianceError('USAGE', { detail: `unknown ${scope} command “${sub}”` });
    return withAppliance(values.data, (app) => {
      let state;
      if (scope === 'users') {
        const machineId = app.machines.resolveId(positional(positionals, 1, 'the machine id of the user (see `havre-appliance machines list`)'));
        noMorePositionals(positionals, 2);
        state = app.accounts.unlock({ machineId }, 'admin-cli');
      } else {
        noMorePositionals(positionals, 1);
        state = app.accounts.unlock('admin', 'admin-cli');
      }
      out.result(state, () => [out.t(`Unlocked ${state.kind === 'admin' ? 'the administrator account' : `the user account of machine ${state.machineId}`}.`,
        `${state.kind === 'admin' ? 'Compte administrateur' : `Compte utilisateur du poste ${state.machineId}`} débloqué.`)]);
      return 0;
    });
  };
}
