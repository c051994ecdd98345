import { resolve } from 'node:path';
import { HavreError, isHavreError, userLang } from '../engine/errors/index.js';
import { openOsKeychainOrReason, type Keychain } from '../engine/keychain/index.js';
import { readConfig, withRepository, type Credentials, type Repository } from '../engine/repo/index.js';
import { FsStore } from '../engine/store/index.js';
import { havreHome, isApplianceRef, readHomeConfig } from '../engine/home/homeConfig.js';
import { Output } from './output.js';
import { promptHidden, readStdin } from './secrets.js';

export interface GlobalFlags {
  readonly repo?: string | undefined;
  readonly json?: boolean | undefined;
  readonly 'password-stdin'?: boolean | undefined;
  readonly 'recovery-key-stdin'?: boolean | undefined;
}

/** What every command needs: where Havre's home is, how to print, and how to open the repository. */
export class CliContext {
  readonly home = havreHome();
  readonly out: Output;

  constructor(readonly flags: GlobalFlags) {
    this.out = new Output(flags.json ?? false, userLang());
  }

  async repoPath(): Promise<string> {
    if (this.flags.repo) return resolve(this.flags.repo);
    const cfg = await readHomeConfig(this.home);
    if (!cfg.repo) throw new HavreError('NO_REPO_CONFIGURED');
    if (isApplianceRef(cfg.repo)) throw new HavreError('USAGE', { detail: 'this command does not work with an appliance repository yet' });
    return cfg.repo.path;
  }

  /** The keychain, or null with the reason when this machine has none (headless server). */
  keychain(): Promise<{ keychain: Keychain | null; reason?: string }> {
    return openOsKeychainOrReason();
  }

  /** The password given by --password-stdin or HAVRE_PASSWORD, if any. */
  async givenPassword(): Promise<string | undefined> {
    if (this.flags['password-stdin']) return readStdin();
    return process.env.HAVRE_PASSWORD || undefined;
  }

  async credentials(): Promise<Credentials> {
    if (this.flags['recovery-key-stdin']) return { recoveryKey: await readStdin() };
    const password = await this.givenPassword();
    if (password !== undefined) return { password };
    const { keychain, reason } = await this.keychain();
    if (keychain) return { keychain };
    if (process.stdin.isTTY) return { password: await promptHidden(this.out.t('Password: ', 'Mot de passe : ')) };
    return reason !== undefined ? { keychain: null, keychainUnavailableReason: reason } : { keychain: null };
  }

  /** The store and the credentials to open it with; fails early when the path is no repository. */
  private async storeAndCredentials(): Promise<{ store: FsStore; credentials: Credentials }> {
    const store = await FsStore.open(await this.repoPath());
    await readConfig(store); // "not a repository" before asking for any secret
    return { store, credentials: await this.credentials() };
  }

  /** Runs fn with the repository open and, for writers, this machine's lock on it held. */
  async withRepo<T>(fn: (repo: Repository) => Promise<T>, lockPurpose?: string): Promise<T> {
    const { store, credentials } = await this.storeAndCredentials();
    const run = (repo: Repository): Promise<T> => {
      for (const d of repo.damaged) {
        this.out.warn(`Warning: ${d.kind}/${d.name.slice(0, 12)} is damaged and was skipped (${d.reason}). Run havre verify.`,
          `Attention : ${d.kind}/${d.name.slice(0, 12)} est endommagé et a été ignoré (${d.reason}). Lancez havre verify.`);
      }
      return fn(repo);
    };
    try {
      return await withRepository(store, { home: this.home, credentials }, run, lockPurpose);
    } catch (e) {
      // The keychain had no entry for this repository: on a terminal, the password still works.
      if (isHavreError(e, 'KEYCHAIN_ENTRY_MISSING') && process.stdin.isTTY) {
        const password = await promptHidden(this.out.t('Password: ', 'Mot de passe : '));
        return withRepository(store, { home: this.home, credentials: { password } }, run, lockPurpose);
      }
      throw e;
    }
  }
}
