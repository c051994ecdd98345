// The OS keychain through @napi-rs/keyring: macOS Keychain, Windows Credential Manager, and on Linux
// the Secret Service (gnome-keyring, KWallet, KeePassXC). Values are stored as base64 text, the form
// every backend and inspection tool handles.
import { createRequire } from 'node:module';
import type * as Keyring from '@napi-rs/keyring';
import type { AsyncEntry, EntryOptions } from '@napi-rs/keyring';
import { decodeBase64Strict } from '../crypto/index.js';
import { HavreError, isHavreError } from '../errors/index.js';
import type { Keychain } from './Keychain.js';
import { probeKeychain, probeKeychainInProcess } from './probe.js';
import { keychainReason } from './reasons.js';

export interface OpenOsKeychainOptions {
  /** Environment for the HAVRE_KEYCHAIN switch and the probe process (tests); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How long the keychain may take to answer the probe; default 10 s. */
  probeTimeoutMs?: number;
  /**
   * 'child-process' (default under Node): the probe runs in a node child (process.execPath with
   * ELECTRON_RUN_AS_NODE=1) that is killed on timeout, so a frozen D-Bus cannot hang this process.
   * 'in-process' (default under Electron, whose RunAsNode fuse is off in electron-builder.yml, so a
   * child could not run as Node); see probe.ts for its limit.
   */
  probe?: 'child-process' | 'in-process';
}

type KeyringModule = typeof Keyring;

const require = createRequire(import.meta.url);

// Linux: require the Secret Service. The library would otherwise fall back silently to the kernel
// keyring, which is memory-only: the LAK would vanish at reboot and the user would be asked for
// the password with no explanation.
const ENTRY_OPTIONS: EntryOptions | undefined = process.platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;

function describe(): string {
  if (process.platform === 'darwin') return 'macOS Keychain';
  if (process.platform === 'win32') return 'Windows Credential Manager';
  return 'Secret Service (D-Bus)';
}

function noKeychain(reason: string): HavreError {
  return new HavreError('NO_KEYCHAIN', { reason });
}

/** Errors of keychain operations carry no platform text: fixed reasons only, no cause attached. */
function opError(e: unknown, fallback: string): HavreError {
  return noKeychain(keychainReason(e instanceof Error ? e.message : '', fallback));
}

class OsKeychain implements Keychain {
  readonly description = describe();

  constructor(
    private readonly lib: KeyringModule,
    private readonly service: string,
  ) {}

  private entry(account: string): AsyncEntry {
    if (account.length === 0) throw new HavreError('INTERNAL', { reason: 'empty keychain account' });
    return new this.lib.AsyncEntry(this.service, account, ENTRY_OPTIONS);
  }

  async getSecret(account: string): Promise<Buffer | null> {
    let text: string | null;
    try {
      text = await this.entry(account).getPassword();
    } catch (e) {
      throw opError(e, 'the keychain could not be read');
    }
    if (text === null) return null;
    const value = decodeBase64Strict(text);
    if (value === null) throw new HavreError('INTEGRITY', { what: 'keychain entry' });
    return value;
  }

  async setSecret(account: string, value: Buffer): Promise<void> {
    try {
      await this.entry(account).setPassword(value.toString('base64'));
    } catch (e) {
      throw opError(e, 'the keychain could not be written');
    }
  }

  async deleteSecret(account: string): Promise<void> {
    try {
      await this.entry(account).deleteCredential(); // false = was absent: fine
    } catch (e) {
      throw opError(e, 'the keychain entry could not be deleted');
    }
  }
}

/**
 * Opens the OS keychain after checking that it works. Throws HavreError NO_KEYCHAIN with a short
 * reason when it does not (no D-Bus session, no Secret Service, locked, no answer in time), and
 * when HAVRE_KEYCHAIN=none forces the password path (headless servers, tests).
 */
/** The keychain, or null with the reason when this machine has none (a headless server). */
export async function openOsKeychainOrReason(service = 'havre', opts: OpenOsKeychainOptions = {}): Promise<{ keychain: Keychain | null; reason?: string }> {
  try {
    return { keychain: await openOsKeychain(service, opts) };
  } catch (e) {
    if (isHavreError(e, 'NO_KEYCHAIN')) return { keychain: null, reason: String(e.params.reason ?? '') };
    throw e;
  }
}

export async function openOsKeychain(service = 'havre', opts: OpenOsKeychainOptions = {}): Promise<Keychain> {
  const env = opts.env ?? process.env;
  if (env.HAVRE_KEYCHAIN === 'none') throw noKeychain('disabled by HAVRE_KEYCHAIN=none');
  let modulePath: string;
  let lib: KeyringModule;
  try {
    modulePath = require.resolve('@napi-rs/keyring');
    lib = require('@napi-rs/keyring') as KeyringModule;
  } catch {
    throw noKeychain('the keychain library is not available on this platform');
  }
  const timeoutMs = opts.probeTimeoutMs ?? 10_000;
  const mode = opts.probe ?? (process.versions.electron ? 'in-process' : 'child-process');
  const probe =
    mode === 'in-process'
      ? await probeKeychainInProcess({ AsyncEntry: lib.AsyncEntry, service, timeoutMs })
      : await probeKeychain({ modulePath, service, env, timeoutMs });
  if (!probe.ok) throw noKeychain(probe.reason);
  return new OsKeychain(lib, service);
}
