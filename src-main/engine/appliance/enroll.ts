// Enrollment (PROTOCOL.md §4): turns a workstation and a one-time token into an enrolled machine
// with its repository on the appliance. Everything that can fail without the appliance's help is
// checked before the token is sent, since sending it uses it up: the token's form, the home
// config, the keychain, the names, the appliance's identity.
import { AuditLog, recordBestEffort } from '../audit/index.js';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createEscrow, deriveRepoKeys, sealPosteKey, unlockAsMachine, wipe, wipeRepoKeys } from '../crypto/index.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { readHomeConfig, writeHomeConfig, type ApplianceRepoRef } from '../home/homeConfig.js';
import type { Keychain } from '../keychain/index.js';
import { createRepoConfig, encodeRepoConfig, newRepoId } from '../repo/config/RepoConfig.js';
import { ApplianceStore } from '../store/appliance/ApplianceStore.js';
import { objectName } from '../store/index.js';
import { SpoolingStore } from '../store/spool/SpoolingStore.js';
import { ApplianceClient, normaliseApplianceUrl, type ApplianceClientOptions } from './ApplianceClient.js';
import { applianceDir, caFile, certFile, machineInfoFile, posteAccount, restorePasswordReminderFile, spoolDir, tlsAccount, writePublicFile } from './localFiles.js';
import { writeFileAtomic } from '../files/durable.js';
import { fetchPinnedCa } from './pinning.js';
import { label, parseToken, PROTOCOL_VERSION, ProtocolViolation } from './protocol.js';
import { certificateMatchesKey, createTlsIdentity } from './tlsIdentity.js';

export interface EnrollOptions {
  readonly url: string;
  readonly token: string;
  readonly user: string;
  readonly host: string;
  readonly password: string;
  readonly keychain: Keychain;
  readonly home: string;
  /** 'test' only in the test suite: a cheap scrypt. */
  readonly kdf?: 'default' | 'test';
  /**
   * A silent enrollment: `password` is random and forgotten. The appliance lets the machine set
   * the user's first restore password later without it (setRestorePassword), and until then
   * Havre reminds the user to choose one (restorePasswordReminder).
   */
  readonly passwordUnset?: boolean;
  /** Retries and timeouts (tests make them short). */
  readonly client?: Pick<ApplianceClientOptions, 'retry' | 'timeouts'>;
}

export interface EnrollResult {
  readonly ref: ApplianceRepoRef;
  readonly heartbeatSeconds: number;
  /** True when the repository's config object waits in the local spool (the appliance went away). */
  readonly configSpooled: boolean;
}

function checkName(v: string, what: string): string {
  try {
    return label(v, what);
  } catch (e) {
    if (e instanceof ProtocolViolation) throw new HavreError('USAGE', { detail: `the ${what} must be 1 to 256 printable characters` });
    throw e;
  }
}

/** A write, read back and delete of a throw-away entry: the keychain must work before the token is spent. */
async function checkKeychain(keychain: Keychain): Promise<void> {
  const account = `appliance-probe-${randomBytes(6).toString('hex')}`;
  const value = randomBytes(16);
  await keychain.setSecret(account, value);
  try {
    const back = await keychain.getSecret(account);
    if (!back?.equals(value)) throw new HavreError('NO_KEYCHAIN', { reason: 'the keychain returned a different value' });
  } finally {
    await keychain.deleteSecret(account);
  }
}

export async function enrollMachine(opts: EnrollOptions): Promise<EnrollResult> {
  const token = parseToken(opts.token);
  if (!token) throw new HavreError('TOKEN_MALFORMED');
  const url = normaliseApplianceUrl(opts.url);
  if (opts.password.length === 0) throw new HavreError('PASSWORD_REQUIRED');
  const user = checkName(opts.user, 'user name');
  const host = checkName(opts.host, 'host name');
  const home = await readHomeConfig(opts.home);
  if (home.repo?.kind === 'appliance') throw new HavreError('ALREADY_ENROLLED', { url: home.repo.url });
  await checkKeychain(opts.keychain);

  // The appliance proves who it is: its CA matches the token's fingerprint, then its server
  // certificate chains to that CA on every connection from here on.
  const ca = await fetchPinnedCa(url, token.caFingerprint, opts.client?.retry ? { retry: opts.client.retry } : {});
  const client = new ApplianceClient({ url, ca, ...opts.client });
  let machineClient: ApplianceClient | null = null;
  const tls = await createTlsIdentity();
  const secrets: Buffer[] = [tls.privateKey];
  const undo: (() => Promise<void>)[] = [];
  try {
    const info = await client.info();
    if (info.protocol !== PROTOCOL_VERSION) throw new HavreError('APPLIANCE_ERROR', { status: 'protocol', code: String(info.protocol), reason: 'this appliance speaks another protocol version; update Havre' });
    const admin = await client.adminKey();
    if (admin.applianceId !== info.applianceId) throw new HavreError('APPLIANCE_ERROR', { status: 'invalid answer', code: 'no code', reason: 'two appliance ids' });

    const repoId = newRepoId();
    const escrow = await createEscrow({ repoId, adminPublicKey: admin.publicKey, userPassword: opts.password, ...(opts.kdf ? { kdf: opts.kdf } : {}) });
    secrets.push(escrow.secret, escrow.postePrivateKey, escrow.authKey);

    // The token is spent here.
    const res = await client.enroll({ token: opts.token.trim(), csr: tls.csr, host, user, keys: escrow.record, authKey: escrow.authKey.toString('base64'),
      ...(opts.passwordUnset ? { passwordUnset: true } : {}) });
    wipe(escrow.authKey);
    if (res.applianceId !== info.applianceId) throw new HavreError('APPLIANCE_ERROR', { status: 'invalid answer', code: 'no code', reason: 'enrolled by another appliance' });
    if (!certificateMatchesKey(res.certificate, tls.privateKey)) throw new HavreError('APPLIANCE_ERROR', { status: 'invalid answer', code: 'no code', reason: 'the certificate is not for this machine’s key' });

    const beemo = Buffer.from(res.beemoAes, 'base64');
    secrets.push(beemo);
    const posteSealed = sealPosteKey(beemo, escrow.postePrivateKey, repoId, escrow.record.secretPoste);
    secrets.push(posteSealed);
    // The check the daily unlock will do, done now: the appliance gives back what opens SECRET.
    const check = unlockAsMachine(beemo, posteSealed, repoId, escrow.record.secretPoste);
    const same = check.equals(escrow.secret);
    wipe(check, beemo, escrow.postePrivateKey);
    if (!same) throw new HavreError('INTERNAL', { reason: 'the machine key does not open this repository' });

    // From here on, what is written is undone if a later step fails: never a half-enrolled machine.
    undo.push(() => opts.keychain.deleteSecret(posteAccount(res.machineId)));
    await opts.keychain.setSecret(posteAccount(res.machineId), posteSealed);
    undo.push(() => opts.keychain.deleteSecret(tlsAccount(res.machineId)));
    await opts.keychain.setSecret(tlsAccount(res.machineId), tls.privateKey);
    if (!existsSync(applianceDir(opts.home, res.applianceId))) undo.push(() => rm(applianceDir(opts.home, res.applianceId), { recursive: true, force: true }));
    undo.push(() => rm(spoolDir(opts.home, res.machineId), { recursive: true, force: true }));
    await writePublicFile(caFile(opts.home, res.applianceId), ca);
    await writePublicFile(certFile(opts.home, res.applianceId, res.machineId), res.certificate);
    await writePublicFile(machineInfoFile(opts.home, res.applianceId, res.machineId), `${JSON.stringify({ user, host })}\n`);

    // The repository's config object, through the machine's own identity; if the appliance went
    // away in between, it waits in the spool like any other write.
    machineClient = new ApplianceClient({ url, ca, clientCertificate: { cert: res.certificate, key: tls.privateKey }, ...opts.client });
    const store = await SpoolingStore.open(new ApplianceStore(machineClient, res.machineId), spoolDir(opts.home, res.machineId));
    const keys = deriveRepoKeys(escrow.secret);
    let configBytes: Buffer;
    try {
      configBytes = encodeRepoConfig(createRepoConfig(repoId, keys.config));
      // The first event of the machine's audit chain (sent with its first job).
      const log = AuditLog.open(opts.home, repoId, keys.log);
      recordBestEffort(log, 'enroll', { applianceId: res.applianceId, machineId: res.machineId, user, host });
      log.close();
    } finally {
      wipeRepoKeys(keys);
    }
    await store.put('config', objectName(configBytes), configBytes);
    const configSpooled = (await store.pending()).objects > 0;

    const ref: ApplianceRepoRef = { kind: 'appliance', url, applianceId: res.applianceId, caFingerprint: token.caFingerprint, machineId: res.machineId, repoId };
    undo.push(() => rm(restorePasswordReminderFile(opts.home), { force: true }));
    if (opts.passwordUnset) await writeFileAtomic(restorePasswordReminderFile(opts.home), `${JSON.stringify({ machineId: res.machineId })}\n`);
    await writeHomeConfig(opts.home, { ...home, version: 1, repo: ref });
    return { ref, heartbeatSeconds: res.heartbeatSeconds, configSpooled };
  } catch (e) {
    machineClient?.close();
    machineClient = null;
    for (const step of undo.reverse()) await step().catch(() => undefined);
    if (!isHavreError(e)) throw new HavreError('INTERNAL', { reason: e instanceof Error ? e.name : 'enrollment failed' });
    throw e;
  } finally {
    wipe(...secrets);
    client.close();
    machineClient?.close();
  }
}
