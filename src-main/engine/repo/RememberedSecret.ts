import type { Store } from '../store/index.js';
import { readKeyRecords } from './keyRecords.js';
import { unlockSecret, type Credentials, type SecretSource, type UnlockPath } from './unlock.js';

/**
 * A long-running engine unlocked by password (`havre daemon` with HAVRE_PASSWORD): SECRET is derived
 * once and kept in memory for the engine's life, instead of a scrypt (128 MiB, about 0.4 s) at every
 * small backup of continuous protection. The password itself is already held for that life; this
 * holds 32 bytes instead, wiped by `forget()`. The keychain path needs none of this (it is cheap).
 */
export class RememberedSecret implements SecretSource {
  private kept: { repoId: string; secret: Buffer } | null = null;

  constructor(private readonly store: () => Store, private readonly credentials: Credentials) {}

  /** Whether these credentials cost a key derivation per open (a password or a recovery key). */
  static worthIt(c: Credentials): boolean {
    return !c.source && (c.password !== undefined || c.recoveryKey !== undefined);
  }

  async unlock(repoId: string): Promise<{ secret: Buffer; via: UnlockPath }> {
    if (this.kept?.repoId !== repoId) {
      const { secret, via } = await unlockSecret(await readKeyRecords(this.store(), repoId), this.credentials);
      this.forget();
      this.kept = { repoId, secret };
      return { secret: Buffer.from(secret), via }; // the person's unlock (audited as such)
    }
    // A copy: the repository wipes what it is given. Later opens are the engine's own, not a person's.
    return { secret: Buffer.from(this.kept.secret), via: 'remembered' };
  }

  forget(): void {
    this.kept?.secret.fill(0);
    this.kept = null;
  }
}
