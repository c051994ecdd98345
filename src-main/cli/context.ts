import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  readMachineInfo,
  withPasswordSession,
  type ClientTuning,
  type MachineTarget,
} from '../engine/appliance/index.js';
import { HavreError, isHavreError, userLang } from '../engine/errors/index.js';
import { throttleFor } from '../engine/net/index.js';
import { havreHome, isApplianceRef, readHomeConfig, type ApplianceRepoRef, type HomeConfig } from '../engine/home/homeConfig.js';
import { openOsKeychainOrReason, type Keychain } from '../engine/keychain/index.js';
import { readConfig, Repository, withRepository, type Credentials } from '../engine/repo/index.js';
import { FsStore } from '../engine/store/index.js';
import type { DrainResult, SpoolingStore } from '../engine/store/spool/index.js';
import { applyPolicyTargets, openTargets, withTargets, type CatchUpResult, type OpenedTargets, type TargetRunHooks } from '../engine/targets/index.js';
import { loadPolicy } from '../engine/policy/index.js';
import { safeUserName } from '../engine/jobs/index.js';
import { hostname } from 'node:os';
import { intOption } from './args.js';
import { formatBytes, Output } from './output.js';
import { repoTarget, type RepoTarget } from './repoTarget.js';
import { promptHidden, readStdin } from './secrets.js';

export interface GlobalFlags {
  readonly repo?: string | undefined;
  readonly json?: boolean | undefined;
  readonly 'password-stdin'?: boolean | undefined;
  readonly 'recovery-key-stdin'?: boolean | undefined;
  readonly 'limit-upload'?: string | undefined;
  readonly 'limit-download'?: string | undefined;
  // Session flags (snapshots, ls, restore, machines): read an appliance repository with a password.
  readonly as?: string | undefined;
  readonly appliance?: string | undefined;
  readonly 'ca-fingerprint'?: string | undefined;
  readonly user?: string | undefined;
  readonly machine?: string | undefined;
  /** Read from this target only (snapshots, ls, restore, verify). */
  readonly from?: string | undefined;
}

export type { RepoTarget } from './repoTarget.js';

/** What every command needs: where Havre's home is, how to print, and how to open the repository. */
export class CliContext {
  readonly home = havreHome();
  readonly out: Output;
  /** The spool of the appliance repository open in withRepo, if any (backup reports on it). */
  spool: SpoolingStore | null = null;

  constructor(readonly flags: GlobalFlags) {
    this.out = new Output(flags.json ?? false, userLang());
  }

  target(): Promise<RepoTarget> {
    return repoTarget(this.flags.repo, this.home);
  }

  /** The folder of an fs repository (commands that only make sense on one). */
  async repoPath(): Promise<string> {
    const t = await this.target();
    if (t.kind !== 'fs') throw new HavreError('USAGE', { detail: 'this command works on a repository folder, not on an appliance or a bucket' });
    return t.path;
  }

  /** Deletes this machine's catalog of the configured repository (it is only a cache). */
  async deleteCatalog(): Promise<void> {
    const t = await this.target();
    const repoId = t.kind !== 'fs' ? t.ref.repoId : (await readConfig(await FsStore.open(t.path))).config.repoId;
    const file = Repository.catalogFile(this.home, repoId);
    for (const suffix of ['', '-wal', '-shm']) await rm(file + suffix, { force: true });
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

  /** A password from the flags, the environment or the terminal; PASSWORD_REQUIRED otherwise. */
  async askPassword(prompt: { en: string; fr: string } = { en: 'Password: ', fr: 'Mot de passe : ' }): Promise<string> {
    const given = await this.givenPassword();
    if (given !== undefined) return given;
    if (process.stdin.isTTY) return promptHidden(this.out.t(prompt.en, prompt.fr));
    throw new HavreError('PASSWORD_REQUIRED');
  }

  /**
   * A password being chosen: from the flags or the environment, else typed twice on the terminal;
   * PASSWORD_REQUIRED when there is none.
   */
  async chooseNewPassword(prompt: { en: string; fr: string }): Promise<string> {
    let password = await this.givenPassword();
    if (password === undefined && process.stdin.isTTY) {
      password = await promptHidden(this.out.t(prompt.en, prompt.fr));
      const again = await promptHidden(this.out.t('Type it again: ', 'Retapez-le : '));
      if (again !== password) throw new HavreError('USAGE', { detail: 'the two passwords differ' });
    }
    if (!password) throw new HavreError('PASSWORD_REQUIRED');
    return password;
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

  /** Bandwidth limits from --limit-upload / --limit-download (KiB/s). */
  tuning(): ClientTuning {
    const up = intOption(this.flags['limit-upload'], 'limit-upload');
    const down = intOption(this.flags['limit-download'], 'limit-download');
    const upload = throttleFor(up !== undefined ? up * 1024 : undefined);
    const download = throttleFor(down !== undefined ? down * 1024 : undefined);
    return { ...(upload ? { upload } : {}), ...(download ? { download } : {}) };
  }

  private warnDamaged = (repo: Repository): void => {
    for (const d of repo.damaged) {
      this.out.warn(`Warning: ${d.kind}/${d.name.slice(0, 12)} is damaged and was skipped (${d.reason}). Run havre verify.`,
        `Attention : ${d.kind}/${d.name.slice(0, 12)} est endommagé et a été ignoré (${d.reason}). Lancez havre verify.`);
    }
  };

  /** Runs fn with the repository open and, for writers, this machine's lock on it held. */
  async withRepo<T>(fn: (repo: Repository) => Promise<T>, lockPurpose?: string): Promise<T> {
    if (this.flags.as !== undefined) {
      if (lockPurpose) throw new HavreError('USAGE', { detail: '--as reads backups (snapshots, ls, restore, machines); it cannot change them' });
      return this.withSessionRepo(fn);
    }
    if (this.flags.from !== undefined && lockPurpose) throw new HavreError('USAGE', { detail: '--from/--target reads from one target (snapshots, ls, restore, verify); backups go to every target' });
    const run = (repo: Repository): Promise<T> => {
      this.warnDamaged(repo);
      this.warnListedFrom();
      return fn(repo);
    };
    if (this.flags.repo) {
      // A folder named on the command line: that repository alone, none of the configured copies.
      const store = await FsStore.open(resolve(this.flags.repo));
      await readConfig(store); // "not a repository" before asking for any secret
      return this.withPasswordFallback((credentials) => withRepository(store, { home: this.home, credentials }, run, lockPurpose));
    }
    if (lockPurpose) await this.followPolicyTargets();
    const cfg = await readHomeConfig(this.home);
    if (!cfg.repo) throw new HavreError('NO_REPO_CONFIGURED');
    if (isApplianceRef(cfg.repo)) return this.withMachineRepo(cfg, cfg.repo, run, lockPurpose);
    const opened = await this.openTargets(cfg, lockPurpose);
    try {
      await readConfig(opened.set);
      return await this.withPasswordFallback((credentials) => withTargets(opened, { home: this.home, credentials }, run, lockPurpose, this.runHooks()));
    } finally {
      opened.close();
    }
  }

  /** IT's cloud copies (policy `targets`) before a write job: added once they can work; why not, said. */
  private async followPolicyTargets(): Promise<void> {
    const r = await applyPolicyTargets({ home: this.home, targets: (await loadPolicy({ home: this.home })).policy.targets, keychain: () => this.keychain(),
      host: hostname(), user: safeUserName() });
    for (const name of r.added) this.out.warn(`Cloud copy ${name} added by your organisation’s policy.`, `Copie cloud ${name} ajoutée par la politique de votre organisation.`);
    for (const name of r.removed) this.out.warn(`Cloud copy ${name} removed by your organisation’s policy (what it holds stays there).`,
      `Copie cloud ${name} retirée par la politique de votre organisation (son contenu reste en place).`);
    for (const { error } of r.problems) this.out.warn(`Warning: ${error.message}`, `Attention : ${error.messageFr}`);
  }

  /** The keychain had no entry for this repository: on a terminal, the password still works. */
  private async withPasswordFallback<T>(run: (credentials: Credentials) => Promise<T>): Promise<T> {
    try {
      return await run(await this.credentials());
    } catch (e) {
      if (isHavreError(e, 'KEYCHAIN_ENTRY_MISSING') && process.stdin.isTTY) return run({ password: await promptHidden(this.out.t('Password: ', 'Mot de passe : ')) });
      throw e;
    }
  }

  private async openTargets(cfg: HomeConfig, lockPurpose: string | undefined): Promise<OpenedTargets> {
    const { keychain, reason } = await this.keychain();
    this.targetsOpened = await openTargets(cfg, { home: this.home, keychain, ...(reason !== undefined ? { keychainReason: reason } : {}), tuning: this.tuning(),
      forReading: lockPurpose === undefined, ...(this.flags.from !== undefined ? { only: this.flags.from } : {}) });
    return this.targetsOpened;
  }

  /** The targets open in withRepo, if any (commands report on their copies). */
  targetsOpened: OpenedTargets | null = null;
  /** What each copy received after the last write job. */
  catchUpResults: readonly CatchUpResult[] = [];

  private runHooks(): TargetRunHooks {
    return { onDrain: (r, when) => this.reportDrain(r, when), onCatchUp: (results) => this.reportCatchUp(results) };
  }

  private warnListedFrom(): void {
    const set = this.targetsOpened?.set;
    if (!set || set.listedFrom === set.primary.name) return;
    const why = set.awayTargets().get(set.primary.name);
    const reason = isHavreError(why) ? why.userMessage(this.out.lang) : '';
    this.out.warn(`${set.primary.name} cannot be reached; reading from ${set.listedFrom}. ${reason}`,
      `${set.primary.name} est injoignable ; lecture depuis ${set.listedFrom}. ${reason}`);
  }

  /** After prune: what Object Lock still holds on each target, so "freed" is not read as gone. */
  reportHeldByLock(repo: Repository): void {
    const set = this.targetsOpened?.set;
    if (!set) return;
    for (const t of set.targets) {
      if (!set.tracked(t)) continue;
      const held = repo.catalog.targets.heldByLock(t.name, Date.now());
      if (held.count === 0 || held.until === null) continue;
      const until = new Date(held.until).toISOString().slice(0, 10);
      this.out.warn(`On ${t.name}, ${held.count} object(s) (${formatBytes(held.bytes)}) are held by Object Lock until ${until} at the latest; they are deleted after that, at a later run.`,
        `Sur ${t.name}, ${held.count} objet(s) (${formatBytes(held.bytes)}) sont protégés par Object Lock jusqu’au ${until} au plus tard ; ils seront supprimés ensuite, lors d’un prochain lancement.`);
    }
  }

  /** After a write job: each copy is up to date, or what waits for it and why. */
  private reportCatchUp(results: readonly CatchUpResult[]): void {
    this.catchUpResults = results;
    for (const r of results) {
      if (r.error) {
        this.out.warn(`The copy on ${r.target} is behind: ${r.pending} object(s) (${formatBytes(r.pendingBytes)}) wait on this computer's list and will be sent at the next run. ${r.error.userMessage('en')}`,
          `La copie sur ${r.target} est en retard : ${r.pending} objet(s) (${formatBytes(r.pendingBytes)}) restent à envoyer au prochain lancement. ${r.error.userMessage('fr')}`);
      } else if (r.unreadable > 0) {
        this.out.warn(`Warning: ${r.unreadable} object(s) could not be read intact for the copy on ${r.target}. Run havre verify.`,
          `Attention : ${r.unreadable} objet(s) n’ont pas pu être lus intacts pour la copie sur ${r.target}. Lancez havre verify.`);
      } else if (r.sent > 0) {
        this.out.warn(`Copy on ${r.target}: ${r.sent} object(s) sent (${formatBytes(r.bytes)}); up to date.`,
          `Copie sur ${r.target} : ${r.sent} objet(s) envoyé(s) (${formatBytes(r.bytes)}) ; à jour.`);
      }
    }
  }

  // ---- appliance: this machine ---------------------------------------------------------------

  /**
   * This machine's repository on its appliance: waiting writes are sent first and last, and what
   * still waits is said plainly. Without the keychain entries, a password reads (a user session).
   */
  private async withMachineRepo<T>(cfg: HomeConfig, ref: ApplianceRepoRef, fn: (repo: Repository) => Promise<T>, lockPurpose?: string): Promise<T> {
    let opened: OpenedTargets;
    try {
      opened = await this.openTargets(cfg, lockPurpose);
    } catch (e) {
      const noKey = isHavreError(e, 'KEYCHAIN_ENTRY_MISSING') || isHavreError(e, 'NO_KEYCHAIN');
      if (!noKey || lockPurpose) throw e;
      const password = (await this.givenPassword()) ?? (process.stdin.isTTY ? await promptHidden(this.out.t('Password: ', 'Mot de passe : ')) : undefined);
      if (password === undefined) throw e;
      // Reading with the user's password works from any computer, so from this one too.
      const user = (await readMachineInfo(this.home, ref))?.user;
      return this.withSessionRepo(fn, { url: ref.url, enrolled: ref, password, machine: ref.machineId, ...(user !== undefined ? { user } : {}) });
    }
    const machine = opened.machine as MachineTarget;
    this.spool = machine.store;
    try {
      return await withTargets(opened, { home: this.home }, fn, lockPurpose, this.runHooks());
    } finally {
      await this.reportSpool(machine.store, ref.url).catch(() => undefined);
      this.spool = null;
      opened.close();
    }
  }

  private reportDrain(r: DrainResult, when: 'start' | 'end'): void {
    if (r.sent > 0) {
      this.out.warn(`Sent ${r.sent} object(s) (${formatBytes(r.bytes)}) that were waiting on this computer to the appliance.`,
        `${r.sent} objet(s) (${formatBytes(r.bytes)}) en attente sur cet ordinateur ont été envoyés à l’appliance.`);
    }
    if (r.dropped > 0) {
      this.out.warn(`Warning: ${r.dropped} waiting object(s) were damaged on this computer’s disk and were not sent. Run havre verify.`,
        `Attention : ${r.dropped} objet(s) en attente étaient endommagés sur le disque de cet ordinateur et n’ont pas été envoyés. Lancez havre verify.`);
    }
    if (r.error && r.error.code !== 'APPLIANCE_UNREACHABLE' && when === 'end') {
      this.out.warn(r.error.userMessage('en'), r.error.userMessage('fr'));
    }
  }

  /** "The appliance is unreachable; N objects (M MiB) wait on this computer." */
  private async reportSpool(store: SpoolingStore, url: string): Promise<void> {
    const p = await store.pending();
    if (p.objects === 0) return;
    const reason = store.lastUnreachable?.params.reason ?? 'unknown';
    this.out.warn(
      `The appliance at ${url} cannot be reached (${reason}): ${p.objects} object(s) (${formatBytes(p.bytes)}) wait on this computer, encrypted, and will be sent at the next run.`,
      `L’appliance ${url} est injoignable (${reason}) : ${p.objects} objet(s) (${formatBytes(p.bytes)}) attendent sur cet ordinateur, chiffrés, et seront envoyés au prochain lancement.`,
    );
  }

  // ---- appliance: a password session ---------------------------------------------------------

  /** `--as user|admin`: read a machine's repository with a password, from any computer. */
  private async withSessionRepo<T>(fn: (repo: Repository) => Promise<T>,
    fallback?: { url: string; enrolled: ApplianceRepoRef; password: string; machine: string; user?: string }): Promise<T> {
    const role = fallback ? 'user' : this.role();
    const cfg = await readHomeConfig(this.home);
    const enrolled = fallback?.enrolled ?? (cfg.repo && isApplianceRef(cfg.repo) ? cfg.repo : undefined);
    const user = fallback?.user ?? this.flags.user;
    const password = fallback?.password ?? await this.askPassword(role === 'admin' ? { en: 'Administrator password: ', fr: 'Mot de passe administrateur : ' } : undefined);
    const machine = fallback?.machine ?? this.flags.machine;
    return withPasswordSession({ home: this.home, role, password, tuning: this.tuning(), ...(fallback ? { url: fallback.url } : this.sessionUrl()),
      ...(enrolled ? { enrolled } : {}), ...(user !== undefined ? { user } : {}), ...(machine !== undefined ? { machine } : {}) }, async (repo) => {
      this.warnDamaged(repo);
      return fn(repo);
    });
  }

  role(): 'user' | 'admin' {
    const as = this.flags.as ?? 'user';
    if (as !== 'user' && as !== 'admin') throw new HavreError('USAGE', { detail: '--as takes user or admin' });
    return as;
  }

  sessionUrl(): { url?: string; fingerprint?: string } {
    return { ...(this.flags.appliance !== undefined ? { url: this.flags.appliance } : {}),
      ...(this.flags['ca-fingerprint'] !== undefined ? { fingerprint: this.flags['ca-fingerprint'] } : {}) };
  }
}
