// Where SECRET comes from for an appliance repository (DESIGN.md §3, PROTOCOL.md §5): the three
// SecretSources of repo/unlock.ts. SECRET is rebuilt in memory from pieces no single place holds:
//  - machine: BEEMO_AES (appliance, over mutual TLS) opens POSTE_PRIV_AES (OS keychain);
//  - user: the password's wrap key (derived here, never sent) opens USER_PRIV_AES (appliance,
//    released after the auth-key check);
//  - admin: the admin password opens ADMIN_PRIV_AES, which opens any machine's SECRET_ADMIN.
import { derivePasswordKeys, openAdminPrivateKey, unlockAsAdmin, unlockAsMachine, unlockAsUser, wipe, type PasswordWrap } from '../crypto/index.js';
import { HavreError } from '../errors/index.js';
import type { Keychain } from '../keychain/index.js';
import type { SecretSource, UnlockPath } from '../repo/index.js';
import type { ApplianceClient } from './ApplianceClient.js';
import { posteAccount } from './localFiles.js';
import type { AdminKeys, AdminMachineKeysResponse, MachineSummary, UserKeys } from './protocol.js';

/** A SecretSource that may keep SECRET in memory for this process, until lock(). */
export interface ApplianceSecretSource extends SecretSource {
  /** Wipes what is held in memory (SECRET, private keys, wrap keys). */
  lock(): void;
}

/** The machine an unlock is about, as the appliance names it. */
export interface MachineRef {
  readonly machineId: string;
  readonly repoId: string;
  readonly host: string;
  readonly user: string;
}

function repoMismatch(): HavreError {
  return new HavreError('INTEGRITY', { what: 'the repository id the appliance gave for this machine' });
}

/** Holds a copy of SECRET when asked to; hands out copies (callers wipe theirs). */
class SecretCache {
  private secret: Buffer | null = null;
  private repoId: string | null = null;

  constructor(private readonly enabled: boolean) {}

  get(repoId: string): Buffer | null {
    return this.secret && this.repoId === repoId ? Buffer.from(this.secret) : null;
  }

  keep(repoId: string, secret: Buffer): void {
    if (!this.enabled) return;
    this.clear();
    this.secret = Buffer.from(secret);
    this.repoId = repoId;
  }

  clear(): void {
    if (this.secret) wipe(this.secret);
    this.secret = null;
    this.repoId = null;
  }
}

// ---- machine --------------------------------------------------------------------------------

export interface MachineSourceOptions {
  /** A client with this machine's certificate. */
  readonly client: ApplianceClient;
  readonly keychain: Keychain;
  readonly machineId: string;
  /** Keep SECRET in memory after the first unlock (a long-running engine, the appliance away). */
  readonly cache?: boolean;
}

/** Daily unlock: mutual TLS → GET /v1/machine/keys → unlockAsMachine with the keychain's POSTE_PRIV_AES. */
export function machineSecretSource(opts: MachineSourceOptions): ApplianceSecretSource {
  const cache = new SecretCache(opts.cache ?? false);
  const via: UnlockPath = 'appliance-machine';
  return {
    async unlock(repoId) {
      const cached = cache.get(repoId);
      if (cached) return { secret: cached, via };
      const sealed = await opts.keychain.getSecret(posteAccount(opts.machineId));
      if (!sealed) throw new HavreError('KEYCHAIN_ENTRY_MISSING');
      try {
        const keys = await opts.client.machineKeys();
        if (keys.machineId !== opts.machineId) throw new HavreError('APPLIANCE_CERT_REFUSED', { reason: 'the certificate names another machine' });
        if (keys.repoId !== repoId) throw repoMismatch();
        const beemo = Buffer.from(keys.beemoAes, 'base64');
        try {
          const secret = unlockAsMachine(beemo, sealed, repoId, keys.secretPoste);
          cache.keep(repoId, secret);
          return { secret, via };
        } finally {
          wipe(beemo);
        }
      } finally {
        wipe(sealed);
      }
    },
    lock: () => cache.clear(),
  };
}

// ---- choosing a machine ---------------------------------------------------------------------

/**
 * The machine a user or administrator means: by id, id prefix (≥ 4 characters) or host name
 * (case-insensitive). With no selector, the only machine there is. Several → MACHINE_AMBIGUOUS
 * (listing host and id); none → MACHINE_UNKNOWN.
 */
export function chooseMachine<M extends MachineSummary>(machines: readonly M[], selector?: string): M {
  const sel = selector?.trim();
  let found: readonly M[] = machines;
  if (sel) {
    const lower = sel.toLowerCase();
    const exact = machines.filter((m) => m.machineId === lower);
    found = exact.length > 0 ? exact : machines.filter((m) => (lower.length >= 4 && /^[0-9a-f]+$/.test(lower) && m.machineId.startsWith(lower)) || m.host.toLowerCase() === lower);
  }
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw new HavreError('MACHINE_UNKNOWN', { machine: sel || '(any)' });
  const choices = found.map((m) => `${m.host} (${m.machineId}${m.revoked ? ', revoked' : ''})`).join(', ');
  throw new HavreError('MACHINE_AMBIGUOUS', { choices });
}

/** Derives once per password and wrap: scrypt is the expensive part of every password unlock. */
async function derive(password: string, wrap: PasswordWrap): Promise<{ wrapKey: Buffer; authKey: Buffer }> {
  if (password.length === 0) throw new HavreError('PASSWORD_REQUIRED');
  return derivePasswordKeys(password, wrap);
}

function sameWrap(a: PasswordWrap, b: PasswordWrap): boolean {
  return a.alg === b.alg && a.N === b.N && a.r === b.r && a.p === b.p && a.salt === b.salt;
}

// ---- user -----------------------------------------------------------------------------------

export interface PasswordSourceOptions {
  /** A client that trusts the pinned CA; it receives the session at login. */
  readonly client: ApplianceClient;
  readonly password: string;
  /** `--machine`: an id, an id prefix or a host name. */
  readonly machine?: string;
  readonly cache?: boolean;
}

/**
 * Self-service unlock with the user's password, from any computer: auth parameters → the machine
 * → the password's keys (derived once) → login → unlockAsUser. The session stays on the client
 * for the session store that reads the machine's objects.
 */
export class UserSecretSource implements ApplianceSecretSource {
  private wrapKey: Buffer | null = null;
  private keys: UserKeys | null = null;
  private readonly cache: SecretCache;
  private password: string | null;

  private readonly opts: Omit<PasswordSourceOptions, 'password'> & { readonly user: string };

  constructor({ password, ...opts }: PasswordSourceOptions & { readonly user: string }) {
    this.opts = opts;
    this.cache = new SecretCache(opts.cache ?? false);
    this.password = password;
  }

  /** Drops the password (the desktop engine, once the repository is open): a later sign-in needs it again. */
  forgetPassword(): void {
    this.password = null;
  }

  /** Signs in (once) and says which machine's backups this session reads. */
  async login(): Promise<MachineRef> {
    return this.signIn();
  }

  private async signIn(): Promise<UserKeys> {
    if (this.keys) return this.keys;
    const params = await this.opts.client.authParams({ role: 'user', user: this.opts.user });
    const machine = chooseMachine(params.machines, this.opts.machine);
    const { wrapKey, authKey } = await derive(this.password ?? '', machine.wrap);
    try {
      const r = await this.opts.client.login({ role: 'user', machineId: machine.machineId, authKey: authKey.toString('base64') });
      if (r.keys.machineId !== machine.machineId) throw new HavreError('INTEGRITY', { what: 'the machine the appliance signed in to' });
      // The key is sealed under the wrap of the same record; were it re-sealed meanwhile, derive again.
      if (sameWrap(r.keys.userPrivateKey.wrap, machine.wrap)) {
        this.wrapKey = wrapKey;
      } else {
        wipe(wrapKey);
        const again = await derive(this.password ?? '', r.keys.userPrivateKey.wrap);
        wipe(again.authKey);
        this.wrapKey = again.wrapKey;
      }
      this.keys = r.keys;
      return r.keys;
    } catch (e) {
      wipe(wrapKey);
      throw e;
    } finally {
      wipe(authKey);
    }
  }

  async unlock(repoId: string): Promise<{ secret: Buffer; via: UnlockPath }> {
    const via: UnlockPath = 'appliance-user';
    const cached = this.cache.get(repoId);
    if (cached) return { secret: cached, via };
    const keys = await this.signIn();
    if (keys.repoId !== repoId) throw repoMismatch();
    if (!this.wrapKey) throw new HavreError('PASSWORD_REQUIRED');
    const secret = unlockAsUser(this.wrapKey, keys);
    this.cache.keep(repoId, secret);
    return { secret, via };
  }

  lock(): void {
    if (this.wrapKey) wipe(this.wrapKey);
    this.wrapKey = null;
    this.keys = null; // the next unlock signs in again
    this.cache.clear();
  }
}

// ---- admin ----------------------------------------------------------------------------------

/**
 * Administrator restore: the admin password opens ADMIN_PRIV_AES (released at login); the admin
 * session lists every machine and fetches the chosen one's SECRET_ADMIN.
 */
export class AdminSecretSource implements ApplianceSecretSource {
  private adminPrivateKey: Buffer | null = null;
  private machineKeys: AdminMachineKeysResponse | null = null;
  private readonly cache: SecretCache;
  private password: string | null;

  private readonly opts: Omit<PasswordSourceOptions, 'password'> & { readonly user?: string };

  constructor({ password, ...opts }: PasswordSourceOptions & { readonly user?: string }) {
    this.opts = opts;
    this.cache = new SecretCache(opts.cache ?? false);
    this.password = password;
  }

  /** Drops the password (the desktop engine, once the repository is open): a later sign-in needs it again. */
  forgetPassword(): void {
    this.password = null;
  }

  /** Signs in as administrator (once); opens ADMIN_PRIV. */
  async signIn(): Promise<void> {
    if (this.adminPrivateKey) return;
    const params = await this.opts.client.authParams({ role: 'admin' });
    const { wrapKey, authKey } = await derive(this.password ?? '', params.wrap);
    try {
      const r = await this.opts.client.login({ role: 'admin', authKey: authKey.toString('base64') });
      const keys: AdminKeys = r.keys;
      let key = wrapKey;
      if (!sameWrap(keys.privateKey.wrap, params.wrap)) key = (await derive(this.password ?? '', keys.privateKey.wrap)).wrapKey;
      try {
        this.adminPrivateKey = openAdminPrivateKey(key, keys);
      } finally {
        if (key !== wrapKey) wipe(key);
      }
    } finally {
      wipe(wrapKey, authKey);
    }
  }

  /** Every machine of the appliance (admin session). */
  async machines(): Promise<MachineSummary[]> {
    await this.signIn();
    return this.opts.client.adminMachines();
  }

  /** Signs in and chooses the machine (by --machine, and --user when given). */
  async login(): Promise<MachineRef> {
    return this.chosen();
  }

  private async chosen(): Promise<AdminMachineKeysResponse> {
    if (this.machineKeys) return this.machineKeys;
    const all = await this.machines();
    const candidates = this.opts.user !== undefined ? all.filter((m) => m.user === this.opts.user) : all;
    const machine = chooseMachine(candidates, this.opts.machine);
    this.machineKeys = await this.opts.client.adminMachineKeys(machine.machineId);
    return this.machineKeys;
  }

  async unlock(repoId: string): Promise<{ secret: Buffer; via: UnlockPath }> {
    const via: UnlockPath = 'appliance-admin';
    const cached = this.cache.get(repoId);
    if (cached) return { secret: cached, via };
    const keys = await this.chosen();
    await this.signIn();
    if (keys.repoId !== repoId) throw repoMismatch();
    if (!this.adminPrivateKey) throw new HavreError('PASSWORD_REQUIRED');
    const secret = unlockAsAdmin(this.adminPrivateKey, keys.secretAdmin);
    this.cache.keep(repoId, secret);
    return { secret, via };
  }

  lock(): void {
    if (this.adminPrivateKey) wipe(this.adminPrivateKey);
    this.adminPrivateKey = null;
    this.cache.clear();
  }
}
