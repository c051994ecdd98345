import { createStandaloneAuthority, deriveRepoKeys, wipe, wipeRepoKeys } from '../crypto/index.js';
import { HavreError, isHavreError } from '../errors/index.js';
import type { Keychain } from '../keychain/index.js';
import { FsStore, objectName, type Store } from '../store/index.js';
import { createRepoConfig, encodeRepoConfig, newRepoId } from './config/RepoConfig.js';

export interface InitOptions {
  readonly password: string;
  readonly userName: string;
  readonly host: string;
  /** Where this machine's key goes; null when there is no keychain (the password is then needed every time). */
  readonly keychain: Keychain | null;
  readonly kdf?: 'default' | 'test';
}

export interface InitResult<S extends Store = FsStore> {
  readonly store: S;
  readonly repoId: string;
  /** Shown once to the user, never stored by Havre. */
  readonly recoveryKey: string;
  readonly keychainSaved: boolean;
  readonly keychainError?: HavreError;
}

/** Creates a standalone repository in a new or empty folder (FORMAT.md §3–4). */
export async function initRepository(path: string, opts: InitOptions): Promise<InitResult> {
  if (opts.password.length === 0) throw new HavreError('PASSWORD_REQUIRED');
  return initRepositoryIn(await FsStore.create(path), opts);
}

/** Creates a standalone repository in an empty store (a new folder, an empty bucket or prefix). */
export async function initRepositoryIn<S extends Store>(store: S, opts: InitOptions): Promise<InitResult<S>> {
  if (opts.password.length === 0) throw new HavreError('PASSWORD_REQUIRED');
  if ((await store.list('config')).length > 0) throw new HavreError('REPO_EXISTS', { path: store.location });
  const repoId = newRepoId();
  const keychainAccount = `repo-${repoId}-poste`;
  const { record, secret, lak, recoveryKey } = await createStandaloneAuthority({
    repoId, userName: opts.userName, host: opts.host, userPassword: opts.password, keychainAccount, kdf: opts.kdf ?? 'default',
  });
  const keys = deriveRepoKeys(secret);
  try {
    const recordBytes = Buffer.from(JSON.stringify(record), 'utf8');
    await store.put('keys', objectName(recordBytes), recordBytes);
    // The config goes last: a folder with a config is a repository, so it must be complete by then.
    const configBytes = encodeRepoConfig(createRepoConfig(repoId, keys.config));
    await store.put('config', objectName(configBytes), configBytes);
    let keychainSaved = false;
    let keychainError: HavreError | undefined;
    if (opts.keychain) {
      try {
        await opts.keychain.setSecret(keychainAccount, lak);
        keychainSaved = true;
      } catch (e) {
        if (!isHavreError(e)) throw e;
        keychainError = e;
      }
    }
    return keychainError ? { store, repoId, recoveryKey, keychainSaved, keychainError } : { store, repoId, recoveryKey, keychainSaved };
  } finally {
    wipe(secret, lak);
    wipeRepoKeys(keys);
  }
}
