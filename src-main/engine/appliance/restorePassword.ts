// The user's restore password for an enrolled machine (PROTOCOL.md §5, POST /v1/machine/password):
// chosen after a silent enrollment (whose password was random and forgotten), or changed later.
// The machine proves itself by its certificate and rebuilds SECRET as in the daily unlock; it makes
// a fresh USER pair holding SECRET, sealed under the new password, and checks afterwards that the
// new password really opens SECRET through the appliance, as a restore on another computer will.
import { createUserKeys, derivePasswordKeys, wipe } from '../crypto/index.js';
import { recordForHome } from '../audit/index.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { readHomeConfig, type ApplianceRepoRef } from '../home/homeConfig.js';
import type { Keychain } from '../keychain/index.js';
import { ApplianceClient } from './ApplianceClient.js';
import { openMachineTarget, type ClientTuning, type MachineTarget } from './openApplianceRepo.js';
import { chooseMachine, UserSecretSource } from './unlock.js';
import { readPinnedCa, restorePasswordReminderFile } from './localFiles.js';
import { rm } from 'node:fs/promises';

export interface RestorePasswordOptions {
  readonly home: string;
  readonly keychain: Keychain | null;
  readonly keychainReason?: string;
  readonly password: string;
  /** The password chosen before: required once one was (RESTORE_PASSWORD_CHOSEN without it). */
  readonly currentPassword?: string;
  /** 'test' only in the test suite: a cheap scrypt. */
  readonly kdf?: 'default' | 'test';
  readonly tuning?: ClientTuning;
}

export interface RestorePasswordStatus {
  readonly machineId: string;
  /** False after a silent enrollment, until the user chooses one. */
  readonly passwordSet: boolean;
}

/** This machine's appliance repository, through its certificate and keychain entries. */
async function openEnrolled(opts: Pick<RestorePasswordOptions, 'home' | 'keychain' | 'keychainReason' | 'tuning'>): Promise<{ ref: ApplianceRepoRef; target: MachineTarget }> {
  const ref = (await readHomeConfig(opts.home)).repo;
  if (ref?.kind !== 'appliance') throw new HavreError('NOT_ENROLLED');
  const target = await openMachineTarget(opts.home, ref, opts.keychain, { ...(opts.keychainReason !== undefined ? { keychainReason: opts.keychainReason } : {}), ...(opts.tuning ? { tuning: opts.tuning } : {}) });
  return { ref, target };
}

/** Whether this machine's user has chosen a restore password (asks the appliance). */
export async function restorePasswordStatus(opts: Pick<RestorePasswordOptions, 'home' | 'keychain' | 'keychainReason' | 'tuning'>): Promise<RestorePasswordStatus> {
  const { ref, target } = await openEnrolled(opts);
  try {
    const keys = await target.client.machineKeys();
    return { machineId: ref.machineId, passwordSet: keys.passwordSet !== false };
  } finally {
    target.close();
  }
}

/** Sets (first time) or changes the restore password. Returns whether it was the first one. */
export async function setRestorePassword(opts: RestorePasswordOptions): Promise<{ machineId: string; first: boolean }> {
  if (opts.password.length === 0) throw new HavreError('PASSWORD_REQUIRED');
  const { ref, target } = await openEnrolled(opts);
  const secrets: Buffer[] = [];
  try {
    const keys = await target.client.machineKeys();
    const first = keys.passwordSet === false;
    if (!first && opts.currentPassword === undefined) throw new HavreError('RESTORE_PASSWORD_CHOSEN');
    let currentAuthKey: string | undefined;
    if (!first) {
      // The current password's scrypt parameters, as a restore elsewhere would fetch them.
      const params = await target.client.authParams({ role: 'user', user: keys.user });
      const derived = await derivePasswordKeys(opts.currentPassword!, chooseMachine(params.machines, ref.machineId).wrap);
      secrets.push(derived.wrapKey, derived.authKey);
      currentAuthKey = derived.authKey.toString('base64');
    }
    const { secret } = await target.source.unlock(ref.repoId);
    secrets.push(secret);
    const made = await createUserKeys({ repoId: ref.repoId, secret, userPassword: opts.password, ...(opts.kdf ? { kdf: opts.kdf } : {}) });
    secrets.push(made.authKey);
    try {
      await target.client.setPassword({ keys: made.record, authKey: made.authKey.toString('base64'), ...(currentAuthKey !== undefined ? { currentAuthKey } : {}) });
    } catch (e) {
      // The appliance's 403 here means a password was chosen meanwhile (another process, another session).
      if (isHavreError(e, 'APPLIANCE_FORBIDDEN') && currentAuthKey === undefined) throw new HavreError('RESTORE_PASSWORD_CHOSEN', {}, { cause: e });
      throw e;
    }
    await checkNewPassword(opts.home, ref, keys.user, opts.password, secret, opts.tuning);
    await rm(restorePasswordReminderFile(opts.home), { force: true });
    await recordForHome(opts.home, 'password.set', { first });
    return { machineId: ref.machineId, first };
  } finally {
    wipe(...secrets);
    target.close();
  }
}

/** Unlocks with the new password exactly as a restore on another computer does (UserSecretSource), and compares. */
async function checkNewPassword(home: string, ref: ApplianceRepoRef, user: string, password: string, secret: Buffer, tuning?: ClientTuning): Promise<void> {
  const client = new ApplianceClient({ url: ref.url, ca: await readPinnedCa(home, ref), ...tuning });
  const source = new UserSecretSource({ client, password, user, machine: ref.machineId });
  try {
    const { secret: opened } = await source.unlock(ref.repoId);
    const same = opened.equals(secret);
    wipe(opened);
    if (!same) throw new HavreError('INTEGRITY', { what: 'the keys the appliance keeps for the new password' });
  } finally {
    source.lock();
    client.close();
  }
}
