// How the CLI and the desktop engine reach an appliance repository, in one place:
//  - the enrolled machine itself: mutual TLS with the certificate in Havre's home and the key in
//    the keychain, writes through the local spool, SECRET from BEEMO_AES + POSTE_PRIV_AES;
//  - anyone with a password, from any computer: a read-only session store, SECRET from the
//    user's or the administrator's sealed key (the "new laptop" restore).
import { HavreError } from '../errors/index.js';
import type { ApplianceRepoRef } from '../home/homeConfig.js';
import type { Keychain } from '../keychain/index.js';
import { ApplianceStore } from '../store/appliance/ApplianceStore.js';
import { SpoolingStore } from '../store/spool/SpoolingStore.js';
import { ApplianceClient, normaliseApplianceUrl, type ApplianceClientOptions } from './ApplianceClient.js';
import { readMachineCert, readPinnedCa, spoolDir, tlsAccount } from './localFiles.js';
import { fetchPinnedCa, normaliseFingerprint } from './pinning.js';
import { AdminSecretSource, machineSecretSource, UserSecretSource, type ApplianceSecretSource, type MachineRef } from './unlock.js';

/** Retries, timeouts and bandwidth limits, from the policy or the command line. */
export type ClientTuning = Pick<ApplianceClientOptions, 'retry' | 'timeouts' | 'upload' | 'download'>;

export interface MachineTarget {
  readonly ref: ApplianceRepoRef;
  readonly client: ApplianceClient;
  /** The appliance store behind the local spool. */
  readonly store: SpoolingStore;
  readonly source: ApplianceSecretSource;
  /** Wipes SECRET if cached and closes the connections. */
  close(): void;
}

/**
 * This machine's repository on its appliance. Throws NO_KEYCHAIN without a keychain and
 * KEYCHAIN_ENTRY_MISSING without the TLS key in it: the password (a user session) still reads.
 */
export async function openMachineTarget(home: string, ref: ApplianceRepoRef, keychain: Keychain | null,
  opts: { cache?: boolean; keychainReason?: string; tuning?: ClientTuning } = {}): Promise<MachineTarget> {
  if (!keychain) throw new HavreError('NO_KEYCHAIN', { reason: opts.keychainReason ?? 'none' });
  const ca = await readPinnedCa(home, ref);
  const cert = await readMachineCert(home, ref);
  const key = await keychain.getSecret(tlsAccount(ref.machineId));
  if (!key) throw new HavreError('KEYCHAIN_ENTRY_MISSING');
  let client: ApplianceClient;
  try {
    client = new ApplianceClient({ url: ref.url, ca, clientCertificate: { cert, key }, ...opts.tuning });
  } catch (e) {
    if (e instanceof HavreError) throw e;
    throw new HavreError('INTEGRITY', { what: 'this machine’s TLS key in the keychain' });
  } finally {
    key.fill(0);
  }
  const store = await SpoolingStore.open(new ApplianceStore(client, ref.machineId), spoolDir(home, ref.machineId));
  const source = machineSecretSource({ client, keychain, machineId: ref.machineId, cache: opts.cache ?? false });
  return { ref, client, store, source, close: () => {
    source.lock();
    client.close();
  } };
}

/**
 * The appliance CA to trust: fetched and checked against `fingerprint` when given, else the one
 * this machine pinned at enrollment (when `url` is its appliance, or absent).
 */
export async function resolvePinnedCa(opts: { home: string; url?: string; fingerprint?: string; enrolled?: ApplianceRepoRef; tuning?: ClientTuning }): Promise<{ url: string; ca: string }> {
  const enrolled = opts.enrolled;
  const url = opts.url !== undefined ? normaliseApplianceUrl(opts.url) : enrolled?.url;
  if (url === undefined) throw new HavreError('USAGE', { detail: 'give the appliance with --appliance URL --ca-fingerprint HEX' });
  if (opts.fingerprint !== undefined) {
    const fp = normaliseFingerprint(opts.fingerprint);
    // The CA pinned at enrollment, when it is the one named: no unverified fetch needed.
    if (enrolled && enrolled.caFingerprint === fp) {
      try {
        return { url, ca: await readPinnedCa(opts.home, enrolled) };
      } catch {
        // fall through to a fetch
      }
    }
    return { url, ca: await fetchPinnedCa(url, fp, opts.tuning?.retry ? { retry: opts.tuning.retry } : {}) };
  }
  if (enrolled && enrolled.url === url) return { url, ca: await readPinnedCa(opts.home, enrolled) };
  throw new HavreError('USAGE', { detail: `--ca-fingerprint is needed to trust ${url} (ask IT for the appliance CA fingerprint)` });
}

export interface SessionTarget {
  readonly client: ApplianceClient;
  /** Read only: only the machine itself writes its objects. */
  readonly store: ApplianceStore;
  readonly source: UserSecretSource | AdminSecretSource;
  readonly machine: MachineRef;
  /** Drops the password once the repository is open (the desktop engine keeps no password). */
  forgetPassword(): void;
  close(): void;
}

export interface SessionOptions {
  readonly url: string;
  readonly ca: string;
  readonly role: 'user' | 'admin';
  /** The user whose machines are meant (required for role user; a filter for admin). */
  readonly user?: string;
  readonly password: string;
  readonly machine?: string;
  readonly tuning?: ClientTuning;
}

/** Signs in with a password and opens the chosen machine's repository for reading. */
export async function openSessionTarget(opts: SessionOptions): Promise<SessionTarget> {
  const client = new ApplianceClient({ url: opts.url, ca: opts.ca, ...opts.tuning });
  try {
    const base = { client, password: opts.password, ...(opts.machine !== undefined ? { machine: opts.machine } : {}) };
    let source: UserSecretSource | AdminSecretSource;
    if (opts.role === 'user') {
      if (opts.user === undefined) throw new HavreError('USAGE', { detail: '--user NAME is needed' });
      source = new UserSecretSource({ ...base, user: opts.user });
    } else {
      source = new AdminSecretSource({ ...base, ...(opts.user !== undefined ? { user: opts.user } : {}) });
    }
    const machine = await source.login();
    const store = new ApplianceStore(client, machine.machineId, { readOnly: true });
    return { client, store, source, machine, forgetPassword: () => source.forgetPassword(), close: () => {
      source.lock();
      client.close();
    } };
  } catch (e) {
    client.close();
    throw e;
  }
}
