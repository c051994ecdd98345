// An in-memory Keychain for tests and for callers that must hold a LAK for one process only.
import type { Keychain } from './Keychain.js';

export function memoryKeychain(): Keychain {
  const entries = new Map<string, Buffer>();
  return {
    description: 'memory',
    getSecret: (account) => Promise.resolve(entries.has(account) ? Buffer.from(entries.get(account) as Buffer) : null),
    setSecret: (account, value) => {
      entries.get(account)?.fill(0);
      entries.set(account, Buffer.from(value)); // a copy: the caller wipes its own
      return Promise.resolve();
    },
    deleteSecret: (account) => {
      entries.get(account)?.fill(0);
      entries.delete(account);
      return Promise.resolve();
    },
  };
}
