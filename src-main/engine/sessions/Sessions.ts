// Password sessions of the desktop engine: a machine's backups read with the user's or the
// administrator's password through the appliance (from this computer or a new one), or this
// computer's own standalone repository unlocked with its password when the keychain cannot. The
// password is used to derive keys and dropped; a session keeps only the open repository's keys,
// in memory, and closes after 15 minutes without use.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { MachineChoice, SessionInfo, SessionOpenRequest, SessionOpenResult } from '../../ipc/contract.js';
import { sessionMachines, withPasswordSession, type ClientTuning, type PasswordSessionOptions } from '../appliance/index.js';
import type { MachineSummary } from '../appliance/protocol.js';
import { BrowseSession } from '../browse/BrowseSession.js';
import { holdRepository } from '../browse/holdRepository.js';
import { HavreError } from '../errors/index.js';
import { isApplianceRef, repoLocation, type HomeConfig } from '../home/homeConfig.js';
import { safeUserName } from '../jobs/index.js';
import { openTargets, withTargets } from '../targets/index.js';

export const SESSION_IDLE_MS = 15 * 60_000;

function choice(m: MachineSummary): MachineChoice {
  return { machineId: m.machineId, host: m.host, user: m.user, lastSeen: m.lastSeen };
}

interface OpenSession {
  readonly browse: BrowseSession;
  readonly info: SessionInfo;
  /** This computer's own backups (its paths are places on this disk). */
  readonly own: boolean;
}

export class Sessions {
  private readonly open = new Map<string, OpenSession>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(private readonly idleMs: number = SESSION_IDLE_MS) {
    this.sweeper = setInterval(() => void this.sweep(), Math.min(60_000, idleMs));
    this.sweeper.unref();
  }

  async openSession(req: SessionOpenRequest, ctx: { home: string; config: HomeConfig; tuning?: ClientTuning }): Promise<SessionOpenResult> {
    const enrolled = ctx.config.repo && isApplianceRef(ctx.config.repo) ? ctx.config.repo : undefined;
    const sessionId = randomBytes(18).toString('base64url');
    if (!req.appliance && !enrolled) return this.openStandalone(sessionId, req, ctx);
    const opts: PasswordSessionOptions = {
      home: ctx.home, role: req.role, password: req.password, forgetPasswordOnceOpen: true,
      ...(req.user !== undefined ? { user: req.user } : {}), ...(req.machine !== undefined ? { machine: req.machine } : {}),
      ...(req.appliance ? { url: req.appliance.url, fingerprint: req.appliance.caFingerprint } : {}), ...(enrolled ? { enrolled } : {}),
      ...(ctx.tuning ? { tuning: ctx.tuning } : {}),
    };
    let url: string | undefined;
    if (req.machine === undefined) {
      const listed = await sessionMachines(opts);
      url = listed.url;
      if (listed.machines.length === 0) throw new HavreError('MACHINE_UNKNOWN', { machine: req.user ?? '(any)' });
      if (listed.machines.length > 1) return { kind: 'choose-machine', machines: listed.machines.map(choice) };
    }
    let machine: MachineChoice | null = null;
    const held = await holdRepository((use) => withPasswordSession(opts, (repo, m) => {
      machine = { machineId: m.machineId, host: m.host, user: m.user, lastSeen: null };
      return use(repo);
    }));
    const info: SessionInfo = { sessionId, role: req.role, machine: machine!, appliance: url ?? req.appliance?.url ?? enrolled?.url ?? '' };
    this.open.set(sessionId, { browse: new BrowseSession(held), info, own: enrolled?.machineId === info.machine.machineId && info.appliance === enrolled.url });
    return { kind: 'opened', session: info };
  }

  /** This computer's own repository (a folder or a bucket), opened with its password. */
  private async openStandalone(sessionId: string, req: SessionOpenRequest, ctx: { home: string; config: HomeConfig }): Promise<SessionOpenResult> {
    const repo = ctx.config.repo;
    if (!repo) throw new HavreError('NO_REPO_CONFIGURED');
    if (req.role === 'admin' || req.machine !== undefined) throw new HavreError('SESSION_NEEDS_APPLIANCE', { repo: repoLocation(repo) });
    const opened = await openTargets(ctx.config, { home: ctx.home, keychain: null, forReading: true });
    let held;
    try {
      held = await holdRepository((use) => withTargets(opened, { home: ctx.home, credentials: { password: req.password } }, use).finally(() => opened.close()));
    } catch (e) {
      opened.close();
      throw e;
    }
    const info: SessionInfo = { sessionId, role: 'user', machine: { machineId: repo.repoId, host: hostname(), user: safeUserName(), lastSeen: null }, appliance: '' };
    this.open.set(sessionId, { browse: new BrowseSession(held), info, own: true });
    return { kind: 'opened', session: info };
  }

  /** The session's browser; SESSION_EXPIRED once it closed (idle, or the engine restarted). */
  get(sessionId: string): BrowseSession {
    const s = this.open.get(sessionId);
    if (!s) throw new HavreError('SESSION_EXPIRED');
    s.browse.touch();
    return s.browse;
  }

  info(sessionId: string): SessionInfo | undefined {
    return this.open.get(sessionId)?.info;
  }

  /** Whether a session reads this computer's own backups. */
  isOwnMachine(sessionId: string): boolean {
    return this.open.get(sessionId)?.own ?? false;
  }

  async close(sessionId: string): Promise<boolean> {
    const s = this.open.get(sessionId);
    if (!s) return false;
    this.open.delete(sessionId);
    await s.browse.close();
    return true;
  }

  private async sweep(): Promise<void> {
    for (const [id, s] of this.open) if (s.browse.idleFor() >= this.idleMs) await this.close(id).catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    for (const id of [...this.open.keys()]) await this.close(id).catch(() => undefined);
  }
}
