// The composition root: one data folder → config, CA, database, vault, domain services, and on
// demand an HTTPS listener. The admin CLI and the server both open the same folder; SQLite's WAL
// lets them work at the same time.
//
// <data>/appliance.json   configuration (config/)
// <data>/appliance.db     SQLite: tokens, machines, escrowed keys, accounts, objects, deletions,
//                         events, alerts, the appliance's log
// <data>/tls/             ca.pem, ca.key (0600), server.pem, server.key (0600)
// <data>/objects/         <machineId>/<kind>/<xx>/<name>, and .tmp/ for uploads in progress
import { checkNoBackup, summaryIfDue } from './reports/backupWatch.js';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { InfoResponse } from '../src-main/engine/appliance/protocol.js';
import { PROTOCOL_VERSION } from '../src-main/engine/appliance/protocol.js';
import { createAdminKeys, wipe } from '../src-main/engine/crypto/index.js';
import { Alerts } from './alerts/Alerts.js';
import type { AlertSink } from './alerts/AlertSink.js';
import { sinksFromConfig } from './alerts/sinks.js';
import { CertificateAuthority } from './ca/CertificateAuthority.js';
import { iso, systemClock, type Clock } from './clock.js';
import { CONFIG_FILE, DEFAULT_EVENT_RETENTION_DAYS, DEFAULT_SUMMARY_HOURS, loadConfig, newConfig, saveConfig, type ApplianceConfig } from './config/config.js';
import { openDatabase, type Db } from './db/database.js';
import { Accounts } from './domain/Accounts.js';
import { ApplianceLog } from './domain/ApplianceLog.js';
import { Deletions } from './domain/Deletions.js';
import { Enrollment } from './domain/Enrollment.js';
import { EventLog } from './domain/EventLog.js';
import { Heartbeats } from './domain/Heartbeats.js';
import { KeyedMutex } from './domain/KeyedMutex.js';
import { Machines } from './domain/Machines.js';
import { Objects } from './domain/Objects.js';
import { Sessions } from './domain/Sessions.js';
import { Tokens } from './domain/Tokens.js';
import { ApplianceError } from './errors/index.js';
import { errnoCode } from '../src-main/engine/errors/index.js';
import { listen, type AccessEntry, type Listening, type ServerLimits } from './http/server.js';
import type { HttpServices } from './http/services.js';
import { FsVault } from './vault/FsVault.js';

export const OBJECTS_DIR = 'objects';
/** Temp files of uploads older than this are leftovers of a crash or a cut connection. */
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

export interface InitOptions {
  readonly adminPassword: string;
  /** Server certificate names (DNS names, IP addresses); default localhost, 127.0.0.1, hostname. */
  readonly names?: readonly string[];
  readonly port?: number;
  readonly host?: string;
  /** 'test' weakens the admin password's scrypt (N=2^12): for the test suite only. */
  readonly kdf?: 'default' | 'test';
  readonly clock?: Clock;
}

export interface OpenOptions {
  readonly clock?: Clock;
  /** Where SMTP passwords named by appliance.json are read (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface ListenOptions {
  /** Default: appliance.json's listen.port; 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly onAccess?: (e: AccessEntry) => void;
  readonly onError?: (e: unknown) => void;
  /** Connection timeouts (DEFAULT_LIMITS in http/server.ts); tests shorten them. */
  readonly limits?: Partial<ServerLimits>;
}

export interface TickReport {
  readonly deletionsApplied: number;
  readonly silentMachines: number;
  readonly sessionsExpired: number;
  readonly lockoutsEnded: number;
  readonly tempFilesRemoved: number;
  readonly alertsDelivered: number;
  readonly alertsFailed: number;
  /** Machines that report but completed no backup within their allowed silence (NO_BACKUP raised). */
  readonly machinesWithoutBackup: number;
  readonly eventsPruned: number;
  readonly summarySent: boolean;
}

export class Appliance {
  readonly log: ApplianceLog;
  readonly alerts: Alerts;
  readonly machines: Machines;
  readonly tokens: Tokens;
  readonly sessions: Sessions;
  readonly accounts: Accounts;
  readonly enrollment: Enrollment;
  readonly objects: Objects;
  readonly deletions: Deletions;
  readonly events: EventLog;
  readonly heartbeats: Heartbeats;
  private ticking: Promise<TickReport> | null = null;
  private readonly listeners = new Set<Listening>();

  private constructor(
    readonly dataDir: string,
    readonly config: ApplianceConfig,
    private ca: CertificateAuthority,
    readonly db: Db,
    readonly vault: FsVault,
    readonly clock: Clock,
    private readonly sinks: readonly AlertSink[],
  ) {
    const mutex = new KeyedMutex();
    this.log = new ApplianceLog(db, clock);
    this.alerts = new Alerts(db, clock, sinks);
    this.machines = new Machines(db, clock, ca, this.log, this.alerts);
    this.tokens = new Tokens(db, clock, this.log, ca.fingerprint, config.tokenTtlHours);
    this.sessions = new Sessions(db, clock);
    this.accounts = new Accounts(db, clock, this.machines, this.sessions, this.log, this.alerts);
    this.enrollment = new Enrollment(db, clock, config, ca, this.tokens, this.accounts, this.log);
    this.objects = new Objects(db, clock, vault, this.machines, this.alerts, this.log, mutex);
    this.deletions = new Deletions(db, clock, vault, this.log, mutex);
    this.events = new EventLog(db, clock, this.alerts);
    this.heartbeats = new Heartbeats(db, clock, this.alerts);
  }

  /**
   * Sets up a new appliance in `dataDir` (new or empty): configuration, CA and server certificate,
   * the admin key pair with its private key sealed under the admin password, the database.
   */
  static async init(dataDir: string, opts: InitOptions): Promise<Appliance> {
    const dir = resolve(dataDir);
    if (opts.adminPassword.length === 0) throw new ApplianceError('PASSWORD_REQUIRED');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const existing = await readdir(dir);
    if (existing.includes(CONFIG_FILE)) throw new ApplianceError('ALREADY_INITIALISED', { path: dir });
    if (existing.length > 0) throw new ApplianceError('USAGE', { detail: `${dir} is not empty: choose a new or empty folder for the appliance’s data` });
    const config = newConfig({ ...(opts.names ? { names: opts.names } : {}), ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host ? { host: opts.host } : {}) });
    const clock = opts.clock ?? systemClock;
    const [ca, admin] = await Promise.all([
      CertificateAuthority.create(dir, config.applianceId, config.names),
      createAdminKeys(config.applianceId, opts.adminPassword, opts.kdf ?? 'default'),
    ]);
    const vault = await FsVault.open(join(dir, OBJECTS_DIR));
    const db = openDatabase(dir);
    const app = new Appliance(dir, config, ca, db, vault, clock, []);
    try {
      app.accounts.createAdmin({ applianceId: config.applianceId, publicKey: admin.publicKey, privateKey: admin.privateKey }, admin.authKey);
    } finally {
      wipe(admin.authKey);
    }
    app.log.write('admin-cli', 'appliance.init', null, { applianceId: config.applianceId, caFingerprint: ca.fingerprint });
    // Last: appliance.json is what says "this folder holds an appliance".
    await saveConfig(dir, config);
    return app;
  }

  static async open(dataDir: string, opts: OpenOptions = {}): Promise<Appliance> {
    const dir = resolve(dataDir);
    try {
      if (!(await stat(dir)).isDirectory()) throw new ApplianceError('NOT_INITIALISED', { path: dir });
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') throw new ApplianceError('NOT_INITIALISED', { path: dir });
      throw e;
    }
    const config = await loadConfig(dir);
    const ca = await CertificateAuthority.load(dir);
    const vault = await FsVault.open(join(dir, OBJECTS_DIR));
    const db = openDatabase(dir);
    try {
      return new Appliance(dir, config, ca, db, vault, opts.clock ?? systemClock, await sinksFromConfig(config.alerts, opts.env));
    } catch (e) {
      db.close();
      throw e;
    }
  }

  get caFingerprint(): string {
    return this.ca.fingerprint;
  }

  get caPem(): string {
    return this.ca.certificatePem;
  }

  info(): InfoResponse {
    return { protocol: PROTOCOL_VERSION, applianceId: this.config.applianceId, caFingerprint: this.ca.fingerprint, time: iso(this.clock.now()) };
  }

  /** Starts the HTTPS server (a port, or options). Uploads cut by a previous run are cleaned up first. */
  async listen(portOrOptions: number | ListenOptions = {}): Promise<Listening> {
    const opts: ListenOptions = typeof portOrOptions === 'number' ? { port: portOrOptions } : portOrOptions;
    if (!this.ca.serverCertificateFits(this.config.names)) this.ca = await this.ca.renewServerCertificate(this.dataDir, this.config.names);
    await this.vault.cleanup(0);
    const services: HttpServices = {
      config: this.config,
      clock: this.clock,
      caPem: this.ca.certificatePem,
      caFingerprint: this.ca.fingerprint,
      machines: this.machines,
      sessions: this.sessions,
      accounts: this.accounts,
      enrollment: this.enrollment,
      objects: this.objects,
      events: this.events,
      heartbeats: this.heartbeats,
      updatesDir: join(this.dataDir, 'updates'),
    };
    const l = await listen(services, {
      serverCertPem: this.ca.serverCertificatePem,
      serverKeyPem: this.ca.serverKeyPem,
      port: opts.port ?? this.config.listen.port,
      host: opts.host ?? this.config.listen.host,
      ...(opts.onAccess ? { onAccess: opts.onAccess } : {}),
      ...(opts.onError ? { onError: opts.onError } : {}),
      ...(opts.limits ? { limits: opts.limits } : {}),
    });
    const tracked: Listening = {
      port: l.port,
      server: l.server,
      close: async () => {
        this.listeners.delete(tracked);
        await l.close();
      },
    };
    this.listeners.add(tracked);
    return tracked;
  }

  /**
   * The sweeper, every minute in `serve`: applies due deletions, raises MACHINE_SILENT, forgets
   * expired sessions, ends elapsed lockouts, removes stale temp files, delivers pending alerts.
   * Ticks never overlap: a tick asked for during another one gets that one's report.
   */
  tick(): Promise<TickReport> {
    if (!this.ticking) this.ticking = this.runTick().finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async runTick(): Promise<TickReport> {
    const deletionsApplied = await this.deletions.applyDue();
    const silentMachines = this.machines.checkSilence();
    const machinesWithoutBackup = checkNoBackup(this.db, this.clock, this.alerts);
    const eventsPruned = this.events.prune(this.clock.now() - (this.config.eventRetentionDays ?? DEFAULT_EVENT_RETENTION_DAYS) * 86_400_000);
    const summarySent = summaryIfDue(this.db, this.clock, this.alerts, this.config.summaryHours ?? DEFAULT_SUMMARY_HOURS);
    const sessionsExpired = this.sessions.expire();
    const lockoutsEnded = this.accounts.expireLockouts();
    const tempFilesRemoved = await this.vault.cleanup(STALE_TEMP_MS);
    const delivery = await this.alerts.deliverPending();
    return { deletionsApplied, silentMachines, sessionsExpired, lockoutsEnded, tempFilesRemoved, alertsDelivered: delivery.delivered, alertsFailed: delivery.failed,
      machinesWithoutBackup, eventsPruned, summarySent };
  }

  /** Stops listeners, waits for a running tick, closes the database. */
  async close(): Promise<void> {
    await Promise.all([...this.listeners].map((l) => l.close()));
    await this.ticking?.catch(() => undefined);
    for (const s of this.sinks) s.close?.();
    if (this.db.open) this.db.close();
  }
}
