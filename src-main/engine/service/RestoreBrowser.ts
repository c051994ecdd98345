// The desktop engine's restore browser: this machine's repository held open for reading while the
// user browses (its own targets, apart from the backup's, so a backup never shares a catalog
// connection with it), password sessions for other machines, and the check of where a restore may
// write. Everything held closes after a few idle minutes, wiping the keys.
import { homedir } from 'node:os';
import type { BackupSource, SessionOpenRequest, SessionOpenResult } from '../../ipc/contract.js';
import { BrowseSession } from '../browse/BrowseSession.js';
import { holdRepository } from '../browse/holdRepository.js';
import { checkRestoreTarget, checkTargetWritable } from '../browse/restoreAccess.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { isApplianceRef, isS3Ref, readHomeConfig } from '../home/homeConfig.js';
import { withRepository, type Credentials } from '../repo/index.js';
import { Sessions } from '../sessions/Sessions.js';
import { loadSettings } from '../settings/index.js';
import { openTargets } from '../targets/index.js';

/** This machine's repository stays open this long after the last request. */
export const LOCAL_IDLE_MS = 5 * 60_000;

export interface RestoreBrowserOptions {
  readonly home: string;
  readonly userHome?: string;
  readonly credentials: () => Promise<Credentials>;
  readonly idleMs?: number;
}

export class RestoreBrowser {
  readonly sessions: Sessions;
  private local: { browse: BrowseSession; config: string } | null = null;
  private opening: Promise<BrowseSession> | null = null;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private readonly refreshing = new Set<Promise<void>>();
  private closing = false;

  constructor(private readonly opts: RestoreBrowserOptions) {
    this.sessions = new Sessions(opts.idleMs);
    const idle = opts.idleMs ?? LOCAL_IDLE_MS;
    this.sweeper = setInterval(() => {
      if (this.local && this.local.browse.idleFor() >= idle) void this.closeLocal();
    }, Math.min(60_000, idle));
    this.sweeper.unref();
  }

  /** The browser of a source: a session's, or this machine's (opened on first use). */
  async browser(source: BackupSource | undefined): Promise<BrowseSession> {
    if (source?.kind === 'session') return this.sessions.get(source.sessionId);
    const cfg = await readHomeConfig(this.opts.home);
    if (!cfg.repo) throw new HavreError('NO_REPO_CONFIGURED');
    const key = JSON.stringify({ repo: cfg.repo, copies: cfg.copies ?? [] });
    if (this.local && this.local.config !== key) await this.closeLocal();
    if (this.local) {
      this.local.browse.touch();
      return this.local.browse;
    }
    this.opening ??= this.openLocal(key).finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async openLocal(key: string): Promise<BrowseSession> {
    const cfg = await readHomeConfig(this.opts.home);
    const credentials = await this.opts.credentials();
    const opened = await openTargets(cfg, { home: this.opts.home, keychain: credentials.keychain ?? null, forReading: true,
      ...(credentials.keychainUnavailableReason !== undefined ? { keychainReason: credentials.keychainUnavailableReason } : {}) });
    let held;
    try {
      // A read: no spool drain, no heartbeat, no catch-up (the backups do those); the machine's
      // appliance key, or the keychain, or the daemon's password, unlocks.
      held = await holdRepository((use) => withRepository(opened.set, { home: this.opts.home,
        credentials: opened.machine ? { source: opened.machine.source } : credentials }, async (repo) => {
        opened.set.bind(repo.catalog.targets);
        await use(repo);
      }).finally(() => opened.close()));
    } catch (e) {
      opened.close();
      throw e;
    }
    const browse = new BrowseSession(held);
    this.local = { browse, config: key };
    return browse;
  }

  /** Closes this machine's reader (configuration changed, idle, engine closing). */
  async closeLocal(): Promise<void> {
    const local = this.local;
    this.local = null;
    await local?.browse.close();
  }

  /**
   * After a backup wrote a snapshot: brings this machine's history index up to date now, in the
   * background, so the user's first "versions" or search does not build it (18 s for a million
   * paths). Through this machine's reader, whose History is the only one over this catalog in the
   * engine: a second instance would go stale beside it (bench/ANALYSIS.md). The reader then stays
   * open as after any request, until idle. A failure is left to the next query, which reports it.
   */
  refreshHistory(): Promise<void> {
    if (this.closing) return Promise.resolve();
    // `closing` checked again once the reader is open: a refresh that opened it while close() ran ends at once.
    const run = this.with(undefined, async (b) => (this.closing ? 0 : b.history.update())).then(() => undefined, () => undefined);
    this.refreshing.add(run);
    void run.then(() => this.refreshing.delete(run));
    return run;
  }

  /** Runs fn with a browser; a store that went away closes this machine's reader so the next request opens it again. */
  async with<T>(source: BackupSource | undefined, fn: (b: BrowseSession) => Promise<T>): Promise<T> {
    const b = await this.browser(source);
    try {
      return await b.busy(() => fn(b));
    } catch (e) {
      if (source?.kind !== 'session' && isHavreError(e) && ['STORE_UNAVAILABLE', 'APPLIANCE_UNREACHABLE', 'CATALOG_DAMAGED'].includes(e.code)) await this.closeLocal();
      throw e;
    }
  }

  async openSession(req: SessionOpenRequest): Promise<SessionOpenResult> {
    return this.sessions.openSession(req, { home: this.opts.home, config: await readHomeConfig(this.opts.home) });
  }

  /** RESTORE_TARGET_FORBIDDEN unless the user may restore into `target` (restoreAccess.ts); RESTORE_TARGET_DENIED when it cannot be written. */
  async checkTarget(target: string, paths: readonly string[] | undefined, source: BackupSource | undefined): Promise<void> {
    const cfg = await readHomeConfig(this.opts.home);
    const view = await loadSettings(this.opts.home, this.opts.userHome);
    const repoPath = cfg.repo && !isApplianceRef(cfg.repo) && !isS3Ref(cfg.repo) ? cfg.repo.path : undefined;
    await checkRestoreTarget(target, paths, { userHome: this.opts.userHome ?? homedir(), havreHome: this.opts.home, folders: view.values.folders,
      ...(repoPath !== undefined ? { repoPath } : {}) }, source?.kind !== 'session' || this.sessions.isOwnMachine(source.sessionId));
    await checkTargetWritable(target);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    // A refresh under way stops at its next yield (History.stop) rather than being waited for;
    // one still opening the reader is let open it, so that the reader is closed below, not leaked.
    await this.opening?.catch(() => undefined);
    this.local?.browse.history.stop();
    await Promise.all(this.refreshing);
    await this.closeLocal();
    await this.sessions.closeAll();
  }
}
