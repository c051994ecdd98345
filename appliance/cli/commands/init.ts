import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Appliance } from '../../Appliance.js';
import { CONFIG_FILE } from '../../config/config.js';
import { ApplianceError } from '../../errors/index.js';
import { dataDir, noMorePositionals, numberArg, parseCommand } from '../args.js';
import { Output } from '../output.js';
// Terminal helpers shared with the havre CLI: both are front-ends of the same engine.
import { promptHidden, readStdin } from '../../../src-main/cli/secrets.js';

async function adminPassword(values: { 'admin-password-stdin'?: boolean }, out: Output): Promise<string> {
  if (values['admin-password-stdin']) return readStdin();
  if (process.stdin.isTTY) {
    const pw = await promptHidden(out.t('Choose the administrator password: ', 'Choisissez le mot de passe administrateur : '));
    const again = await promptHidden(out.t('Type it again: ', 'Retapez-le : '));
    if (again !== pw) throw new ApplianceError('USAGE', { detail: 'the two passwords differ' });
    return pw;
  }
  return process.env.HAVRE_APPLIANCE_ADMIN_PASSWORD ?? '';
}

export async function initCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    name: { type: 'string', multiple: true },
    port: { type: 'string' },
    host: { type: 'string' },
    'admin-password-stdin': { type: 'boolean', default: false },
  });
  noMorePositionals(positionals, 0);
  const out = new Output(values.json);
  const dir = dataDir(values.data);
  const port = values.port !== undefined ? numberArg(values.port, '--port', { integer: true, min: 1 }) : undefined;
  // Before asking for a password that would not be used.
  if (existsSync(join(dir, CONFIG_FILE))) throw new ApplianceError('ALREADY_INITIALISED', { path: resolve(dir) });
  const password = await adminPassword(values, out);
  if (!password) throw new ApplianceError('PASSWORD_REQUIRED');
  const testKdf = process.env.HAVRE_INSECURE_TEST_KDF === '1';
  if (testKdf) out.note('Warning: HAVRE_INSECURE_TEST_KDF=1 — weak password hashing, for tests only.', 'Attention : HAVRE_INSECURE_TEST_KDF=1 — hachage du mot de passe faible, réservé aux tests.');
  const app = await Appliance.init(dir, {
    adminPassword: password,
    kdf: testKdf ? 'test' : 'default',
    ...(values.name ? { names: values.name } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(values.host ? { host: values.host } : {}),
  });
  try {
    const c = app.config;
    out.result({ data: app.dataDir, applianceId: c.applianceId, caFingerprint: app.caFingerprint, listen: c.listen, names: c.names }, () => [
      out.t(`Appliance created in ${app.dataDir}`, `Appliance créée dans ${app.dataDir}`),
      '',
      out.t('CA fingerprint (SHA-256) — enrollment tokens carry it; check it when a client asks:', 'Empreinte de l’AC (SHA-256) — les jetons d’enrôlement la portent ; vérifiez-la si un poste la demande :'),
      `    ${app.caFingerprint}`,
      '',
      `${out.t('Server names', 'Noms du serveur')}: ${c.names.join(', ')}`,
      `${out.t('Listens on', 'Écoute sur')}: ${c.listen.host}:${c.listen.port}`,
      '',
      out.t('Next:', 'Ensuite :'),
      `    havre-appliance serve --data ${app.dataDir}`,
      `    havre-appliance tokens create --data ${app.dataDir}`,
      '',
      out.t(`Keep ${app.dataDir}/tls/ca.key secret and backed up: it can issue machine certificates.`, `Gardez ${app.dataDir}/tls/ca.key secret et sauvegardé : il peut émettre des certificats de poste.`),
    ]);
  } finally {
    await app.close();
  }
  return 0;
}
