import { unlockWithLak, unlockWithPassword, unlockWithRecoveryKey, type KeysRecord } from '../crypto/index.js';
import { HavreError, isHavreError } from '../errors/index.js';
import type { Keychain } from '../keychain/index.js';

/** How SECRET was obtained; `remembered`: kept in memory by a long-running engine since a person unlocked it (RememberedSecret). */
export type UnlockPath = 'recovery-key' | 'password' | 'keychain' | 'appliance-machine' | 'appliance-user' | 'appliance-admin' | 'remembered';

/**
 * Where SECRET comes from when the repository holds no `keys` object: an appliance (machine,
 * user or admin unlock, PROTOCOL.md §5). Returns SECRET (the caller wipes it).
 */
export interface SecretSource {
  unlock(repoId: string): Promise<{ secret: Buffer; via: UnlockPath }>;
}

/**
 * What the caller has to open a repository with. An appliance repository has a `source`; a
 * standalone one is tried in this order: recovery key, password, keychain.
 */
export interface Credentials {
  readonly source?: SecretSource;
  readonly password?: string;
  readonly recoveryKey?: string;
  /** null: no keychain on this machine (reason given), so the password is required. */
  readonly keychain?: Keychain | null;
  readonly keychainUnavailableReason?: string;
}


/** Returns SECRET (caller wipes it) and which path opened it. */
export async function unlockSecret(records: readonly KeysRecord[], cred: Credentials): Promise<{ secret: Buffer; via: UnlockPath }> {
  let lastError: unknown = null;
  for (const rec of records) {
    try {
      if (cred.recoveryKey !== undefined) return { secret: await unlockWithRecoveryKey(rec, cred.recoveryKey), via: 'recovery-key' };
      if (cred.password !== undefined) return { secret: await unlockWithPassword(rec, cred.password), via: 'password' };
      if (cred.keychain) {
        const lak = await cred.keychain.getSecret(rec.poste.privateKey.wrap.keyRef);
        if (!lak) {
          lastError = new HavreError('KEYCHAIN_ENTRY_MISSING');
          continue;
        }
        try {
          return { secret: unlockWithLak(rec, lak), via: 'keychain' };
        } finally {
          lak.fill(0);
        }
      }
    } catch (e) {
      if (!isHavreError(e)) throw e;
      lastError = e;
    }
  }
  if (lastError) throw lastError;
  if (cred.keychain === null) throw new HavreError('PASSWORD_REQUIRED', {}, { cause: new HavreError('NO_KEYCHAIN', { reason: cred.keychainUnavailableReason ?? 'none' }) });
  throw new HavreError('PASSWORD_REQUIRED');
}
