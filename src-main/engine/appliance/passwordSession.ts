// Reading a machine's backups with a password, through the appliance, from any computer (the
// new-laptop case, and IT restoring): the one path `havre … --as user|admin` and the desktop app's
// restore sessions share. The password is used to derive keys on this computer and never leaves it.
import { HavreError } from '../errors/index.js';
import type { ApplianceRepoRef } from '../home/homeConfig.js';
import { safeUserName } from '../jobs/index.js';
import { withRepository, type Repository } from '../repo/index.js';
import type { Store } from '../store/index.js';
import { ApplianceClient, normaliseApplianceUrl } from './ApplianceClient.js';
import { readMachineInfo } from './localFiles.js';
import { openSessionTarget, resolvePinnedCa, type ClientTuning } from './openApplianceRepo.js';
import type { MachineSummary } from './protocol.js';
import { AdminSecretSource, type MachineRef } from './unlock.js';

export interface PasswordSessionOptions {
  /** Havre's home on this computer (the catalog of what is read lands there). */
  readonly home: string;
  readonly role: 'user' | 'admin';
  readonly password: string;
  /** Whose machine (role user: default, see defaultSessionUser; role admin: a filter). */
  readonly user?: string;
  /** An id, an id prefix or a host name; absent: the only machine there is. */
  readonly machine?: string;
  /** Another appliance than this machine's, with the fingerprint of its CA (from IT). */
  readonly url?: string;
  readonly fingerprint?: string;
  /** This machine's own appliance, when it is enrolled: its CA is already pinned. */
  readonly enrolled?: ApplianceRepoRef;
  readonly tuning?: ClientTuning;
  /** Drop the password as soon as the repository is open (the desktop engine keeps no password). */
  readonly forgetPasswordOnceOpen?: boolean;
}

/** The user a session signs in as by default: the one this machine was enrolled for on that appliance, else the login name. */
export async function defaultSessionUser(home: string, enrolled?: ApplianceRepoRef, url?: string): Promise<string> {
  const info = enrolled ? await readMachineInfo(home, enrolled) : null;
  const sameAppliance = url === undefined || (enrolled !== undefined && enrolled.url === normaliseApplianceUrl(url));
  return info && sameAppliance ? info.user : safeUserName();
}

async function sessionUser(opts: PasswordSessionOptions): Promise<string | undefined> {
  if (opts.user !== undefined) return opts.user;
  return opts.role === 'user' ? defaultSessionUser(opts.home, opts.enrolled, opts.url) : undefined;
}

async function pinned(opts: PasswordSessionOptions): Promise<{ url: string; ca: string }> {
  return resolvePinnedCa({ home: opts.home, ...(opts.url !== undefined ? { url: opts.url } : {}), ...(opts.fingerprint !== undefined ? { fingerprint: opts.fingerprint } : {}),
    ...(opts.enrolled ? { enrolled: opts.enrolled } : {}), ...(opts.tuning ? { tuning: opts.tuning } : {}) });
}

/**
 * The machines a session may read: role user — the user's machines (no password needed to list
 * them); role admin — every machine, or the given user's (signs in with the password).
 */
export async function sessionMachines(opts: PasswordSessionOptions): Promise<{ url: string; machines: MachineSummary[] }> {
  const { url, ca } = await pinned(opts);
  const client = new ApplianceClient({ url, ca, ...opts.tuning });
  try {
    const user = await sessionUser(opts);
    if (opts.role === 'user') {
      const params = await client.authParams({ role: 'user', user: user ?? safeUserName() });
      if (params.role !== 'user') throw new HavreError('INTEGRITY', { what: 'the appliance’s sign-in parameters' });
      return { url, machines: params.machines.map(({ machineId, host, user: u, enrolled, lastSeen, revoked }) => ({ machineId, host, user: u, enrolled, lastSeen, revoked })) };
    }
    const source = new AdminSecretSource({ client, password: opts.password });
    try {
      const all = await source.machines();
      return { url, machines: user !== undefined ? all.filter((m) => m.user === user) : all };
    } finally {
      source.lock();
    }
  } finally {
    client.close();
  }
}

/** Signs in with the password, opens the chosen machine's repository (read only) and runs fn. */
export async function withPasswordSession<T>(opts: PasswordSessionOptions, fn: (repo: Repository, machine: MachineRef) => Promise<T>): Promise<T> {
  const { url, ca } = await pinned(opts);
  const user = await sessionUser(opts);
  const t = await openSessionTarget({ url, ca, role: opts.role, password: opts.password, ...(opts.tuning ? { tuning: opts.tuning } : {}),
    ...(user !== undefined ? { user } : {}), ...(opts.machine !== undefined ? { machine: opts.machine } : {}) });
  try {
    return await withRepository(t.store as Store, { home: opts.home, credentials: { source: t.source } }, (repo) => {
      if (opts.forgetPasswordOnceOpen) {
        t.forgetPassword();
        t.source.lock(); // the repository holds its own keys now
      }
      return fn(repo, t.machine);
    });
  } finally {
    t.close();
  }
}
