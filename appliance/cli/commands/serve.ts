import { Appliance } from '../../Appliance.js';
import type { AccessEntry } from '../../http/server.js';
import { dataDir, noMorePositionals, numberArg, parseCommand } from '../args.js';
import { Output } from '../output.js';

const TICK_MS = 60_000;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { port: { type: 'string' }, host: { type: 'string' } });
  noMorePositionals(positionals, 0);
  const out = new Output(values.json);
  const app = await Appliance.open(dataDir(values.data));
  const line = (doc: Record<string, unknown>, text: string): void => {
    process.stdout.write((values.json ? JSON.stringify({ time: new Date().toISOString(), ...doc }) : `${new Date().toISOString()} ${text}`) + '\n');
  };
  const onAccess = (e: AccessEntry): void =>
    line({ event: 'request', ...e }, `${e.method} ${e.path} ${e.status} ${e.ms}ms${e.machineId ? ` machine=${e.machineId.slice(0, 8)}` : ''}${e.error ? ` ${e.error}` : ''}`);
  const onError = (e: unknown): void => {
    process.stderr.write(`havre-appliance: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  };
  let listening;
  try {
    listening = await app.listen({
      ...(values.port !== undefined ? { port: numberArg(values.port, '--port', { integer: true }) } : {}),
      ...(values.host ? { host: values.host } : {}),
      onAccess,
      onError,
    });
  } catch (e) {
    await app.close();
    throw e;
  }
  const host = values.host ?? app.config.listen.host;
  line({ event: 'listening', host, port: listening.port, caFingerprint: app.caFingerprint, applianceId: app.config.applianceId }, out.t(
    `listening on https://${host}:${listening.port} (CA ${app.caFingerprint})`,
    `à l’écoute sur https://${host}:${listening.port} (AC ${app.caFingerprint})`,
  ));

  const tick = (): void => {
    app.tick().then(
      (r) => {
        if (r.deletionsApplied || r.silentMachines || r.lockoutsEnded || r.alertsDelivered || r.alertsFailed || r.tempFilesRemoved) {
          line({ event: 'tick', ...r }, `tick: ${JSON.stringify(r)}`);
        }
      },
      onError,
    );
  };
  tick();
  const timer = setInterval(tick, TICK_MS);

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      line({ event: 'stopping', signal }, out.t(`${signal}: finishing requests in flight, then stopping`, `${signal} : fin des requêtes en cours, puis arrêt`));
      clearInterval(timer);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await app.close();
  line({ event: 'stopped' }, out.t('stopped', 'arrêtée'));
  return 0;
}
