// Where a machine keeps its local authority key (LAK): the OS keychain, one entry per repository.

export interface Keychain {
  /** e.g. "Secret Service (D-Bus)", for messages and diagnostics */
  readonly description: string;
  /** The stored bytes, or null when there is no entry for `account`. */
  getSecret(account: string): Promise<Buffer | null>;
  /** Creates or replaces the entry for `account`. */
  setSecret(account: string, value: Buffer): Promise<void>;
  /** Removes the entry; removing an absent entry is not an error. */
  deleteSecret(account: string): Promise<void>;
}
