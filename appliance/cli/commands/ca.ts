import { noMorePositionals, parseCommand } from '../args.js';
import { withAppliance } from '../open.js';
import { Output } from '../output.js';

/** The CA's fingerprint (what tokens pin) and its certificate. */
export async function caCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  noMorePositionals(positionals, 0);
  const out = new Output(values.json);
  return withAppliance(values.data, (app) => {
    out.result({ fingerprint: app.caFingerprint, certificate: app.caPem }, () => [`SHA-256 ${app.caFingerprint}`, '', app.caPem.trimEnd()]);
    return 0;
  });
}
