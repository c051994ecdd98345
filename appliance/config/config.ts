// appliance.json, in the data folder: what an administrator may set by hand. Parsed strictly, so
// a typo is an error with the member's name, never a silently ignored setting.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_OBJECT_BYTES, object, ProtocolViolation } from '../../src-main/engine/appliance/protocol.js';
import { ApplianceError } from '../errors/index.js';
import { errnoCode } from '../../src-main/engine/errors/index.js';
import { writeFileAtomic } from '../../src-main/engine/files/durable.js';

export const CONFIG_FILE = 'appliance.json';
export const DEFAULT_PORT = 8443;

export interface WebhookConfig {
  readonly url: string;
}

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  readonly secure?: boolean;
  /** Never upgrade with STARTTLS: only for a local relay or a test server. */
  readonly ignoreTLS?: boolean;
  readonly from: string;
  readonly to: readonly string[];
  readonly user?: string;
  /** Name of the environment variable holding the SMTP password: the file never holds it. */
  readonly passwordEnv?: string;
}

export interface AlertsConfig {
  readonly webhook?: WebhookConfig;
  readonly smtp?: SmtpConfig;
}

export interface ApplianceConfig {
  readonly version: 1;
  readonly applianceId: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** DNS names and IP addresses of the server certificate. */
  readonly names: readonly string[];
  readonly maxObjectBytes: number;
  /** null = unlimited. Applies to machines enrolled from then on. */
  readonly defaultQuotaBytes: number | null;
  readonly defaultMaxSilenceHours: number;
  readonly tokenTtlHours: number;
  readonly alerts?: AlertsConfig;
  /** Audit events are kept this long (days; default 400: the references ask for a year at least). */
  readonly eventRetentionDays?: number;
  /** The summary for IT through the alert sinks, every this many hours (default 24; 168: weekly; 0: none). */
  readonly summaryHours?: number;
}

export const DEFAULT_EVENT_RETENTION_DAYS = 400;
export const DEFAULT_SUMMARY_HOURS = 24;

const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isServerName(s: string): boolean {
  return isIP(s) !== 0 || DNS_NAME.test(s);
}

/** localhost, 127.0.0.1 and this computer's name, when it is a valid DNS name. */
export function defaultNames(): string[] {
  const names = ['localhost', '127.0.0.1'];
  const h = hostname();
  if (isServerName(h) && !names.includes(h)) names.push(h);
  return names;
}

export function newConfig(opts: { names?: readonly string[]; port?: number; host?: string } = {}): ApplianceConfig {
  const cfg: ApplianceConfig = {
    version: 1,
    applianceId: randomBytes(16).toString('hex'),
    listen: { host: opts.host ?? '0.0.0.0', port: opts.port ?? DEFAULT_PORT },
    names: opts.names && opts.names.length > 0 ? [...new Set(opts.names)] : defaultNames(),
    maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES,
    defaultQuotaBytes: null,
    defaultMaxSilenceHours: 72,
    tokenTtlHours: 24,
  };
  return parseConfig(JSON.parse(JSON.stringify(cfg)) as unknown); // one validation path for both
}

function fail(reason: string): never {
  throw new ProtocolViolation(reason);
}

function int(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(`${where} must be a whole number from ${min} to ${max}`);
  return v;
}

function positive(v: unknown, where: string, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) fail(`${where} must be a number above 0 and at most ${max}`);
  return v;
}

function str(v: unknown, where: string, test: (s: string) => boolean = (s) => s.length > 0 && s.length <= 1024): string {
  if (typeof v !== 'string' || !test(v)) fail(`${where} is not valid`);
  return v;
}

function bool(v: unknown, where: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(`${where} must be true or false`);
  return v;
}

function httpUrl(v: unknown, where: string): string {
  const s = str(v, where);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    fail(`${where} is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') fail(`${where} must be an http or https URL`);
  return s;
}

function parseAlerts(v: unknown): AlertsConfig {
  const o = object(v, 'alerts', [], ['webhook', 'smtp']);
  const out: { webhook?: WebhookConfig; smtp?: SmtpConfig } = {};
  if (o.webhook !== undefined) {
    const w = object(o.webhook, 'alerts.webhook', ['url']);
    out.webhook = { url: httpUrl(w.url, 'alerts.webhook.url') };
  }
  if (o.smtp !== undefined) {
    const s = object(o.smtp, 'alerts.smtp', ['host', 'port', 'from', 'to'], ['secure', 'ignoreTLS', 'user', 'passwordEnv']);
    if (!Array.isArray(s.to) || s.to.length === 0) fail('alerts.smtp.to must be a list of e-mail addresses');
    const smtp: SmtpConfig = {
      host: str(s.host, 'alerts.smtp.host', isServerName),
      port: int(s.port, 'alerts.smtp.port', 1, 65535),
      from: str(s.from, 'alerts.smtp.from', (x) => EMAIL.test(x) || /<[^\s@<>]+@[^\s@<>]+>$/.test(x)),
      to: s.to.map((t, i) => str(t, `alerts.smtp.to[${i}]`, (x) => EMAIL.test(x))),
      ...(s.secure !== undefined ? { secure: bool(s.secure, 'alerts.smtp.secure') } : {}),
      ...(s.ignoreTLS !== undefined ? { ignoreTLS: bool(s.ignoreTLS, 'alerts.smtp.ignoreTLS') } : {}),
      ...(s.user !== undefined ? { user: str(s.user, 'alerts.smtp.user') } : {}),
      ...(s.passwordEnv !== undefined ? { passwordEnv: str(s.passwordEnv, 'alerts.smtp.passwordEnv', (x) => ENV_NAME.test(x)) } : {}),
    };
    out.smtp = smtp;
  }
  return out;
}

/** Validates a parsed appliance.json; throws ProtocolViolation with the member at fault. */
export function parseConfig(v: unknown): ApplianceConfig {
  const o = object(v, 'config', ['version', 'applianceId', 'listen', 'names', 'maxObjectBytes', 'defaultQuotaBytes', 'defaultMaxSilenceHours', 'tokenTtlHours'],
    ['alerts', 'eventRetentionDays', 'summaryHours']);
  // (the value is named only when it is a number: JSON.stringify of a hostile value may overflow)
  if (o.version !== 1) fail(`config.version ${typeof o.version === 'number' ? o.version : `(a ${typeof o.version})`} is not supported (this appliance reads version 1)`);
  const listen = object(o.listen, 'config.listen', ['host', 'port']);
  if (!Array.isArray(o.names) || o.names.length === 0) fail('config.names must be a non-empty list of DNS names or IP addresses');
  const cfg: ApplianceConfig = {
    version: 1,
    applianceId: str(o.applianceId, 'config.applianceId', (s) => /^[0-9a-f]{32}$/.test(s)),
    listen: { host: str(listen.host, 'config.listen.host', (s) => isIP(s) !== 0 || DNS_NAME.test(s)), port: int(listen.port, 'config.listen.port', 0, 65535) },
    names: o.names.map((n, i) => str(n, `config.names[${i}]`, isServerName)),
    maxObjectBytes: int(o.maxObjectBytes, 'config.maxObjectBytes', 1024, 2 ** 40),
    defaultQuotaBytes: o.defaultQuotaBytes === null ? null : int(o.defaultQuotaBytes, 'config.defaultQuotaBytes', 0, Number.MAX_SAFE_INTEGER),
    defaultMaxSilenceHours: positive(o.defaultMaxSilenceHours, 'config.defaultMaxSilenceHours', 24 * 366),
    tokenTtlHours: positive(o.tokenTtlHours, 'config.tokenTtlHours', 24 * 366),
    ...(o.alerts !== undefined ? { alerts: parseAlerts(o.alerts) } : {}),
    ...(o.eventRetentionDays !== undefined ? { eventRetentionDays: int(o.eventRetentionDays, 'config.eventRetentionDays', 365, 100 * 365) } : {}),
    ...(o.summaryHours !== undefined ? { summaryHours: int(o.summaryHours, 'config.summaryHours', 0, 24 * 366) } : {}),
  };
  return cfg;
}

export async function loadConfig(dataDir: string): Promise<ApplianceConfig> {
  const file = join(dataDir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new ApplianceError('NOT_INITIALISED', { path: dataDir });
    throw e;
  }
  try {
    return parseConfig(JSON.parse(text) as unknown);
  } catch (e) {
    if (e instanceof ProtocolViolation) throw new ApplianceError('CONFIG_INVALID', { file, reason: e.reason });
    if (e instanceof SyntaxError) throw new ApplianceError('CONFIG_INVALID', { file, reason: `not JSON (${e.message})` });
    throw e;
  }
}

export async function saveConfig(dataDir: string, cfg: ApplianceConfig): Promise<void> {
  // Not secret (the SMTP password is only named), but only the appliance's owner edits it.
  await writeFileAtomic(join(dataDir, CONFIG_FILE), JSON.stringify(cfg, null, 2) + '\n', 0o600);
}
