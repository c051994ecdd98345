// The optional antivirus filter of a backup (DECISIONS.md "Antivirus filter"): each file read for
// a backup is first streamed to clamd; an infected file is not stored. When clamd cannot give a
// verdict the configuration decides: `block` stops the backup (SCANNER_UNAVAILABLE: nothing stored
// is lost, the next run starts over) or `continue` stores the file unscanned and says so (the
// backup's audit event counts the unscanned files and names the reason).
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HavreError, errnoCode } from '../errors/index.js';
import { ScannerFailure, scanStream, type Verdict } from './clamd.js';

export interface AntivirusConfig {
  readonly enabled: boolean;
  /** clamd's socket: a Unix socket path or `tcp://host:port`. */
  readonly socket: string;
  readonly whenUnavailable: 'block' | 'continue';
  readonly timeoutSeconds?: number;
}

/** A machine's own antivirus configuration, where no machine policy sets one (servers, tests). */
export function antivirusFile(home: string): string {
  return join(home, 'antivirus.json');
}

/** Where Debian's and Ubuntu's clamav-daemon listens. */
export const DEFAULT_CLAMD_SOCKET = '/var/run/clamav/clamd.ctl';

/** The machine policy's antivirus section (policy/schema.ts) as a scanner configuration; null when disabled. */
export function antivirusFromPolicy(p: { enabled: boolean; clamd?: string; whenUnavailable?: 'block' | 'continue' }): AntivirusConfig | null {
  if (!p.enabled) return null;
  const socket = p.clamd === undefined ? DEFAULT_CLAMD_SOCKET : p.clamd.startsWith('unix:') ? p.clamd.slice('unix:'.length) : p.clamd;
  return { enabled: true, socket, whenUnavailable: p.whenUnavailable ?? 'continue' };
}

/**
 * The configuration, or null when there is none or it is disabled: IT's machine policy when it has
 * an antivirus section (it wins), else `antivirus.json`; SETTINGS_INVALID when that file is malformed.
 */
export async function readAntivirusConfig(home: string, policy?: { enabled: boolean; clamd?: string; whenUnavailable?: 'block' | 'continue' }): Promise<AntivirusConfig | null> {
  if (policy) return antivirusFromPolicy(policy);
  let text: string;
  try {
    text = await readFile(antivirusFile(home), 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null;
    throw e;
  }
  let c: Partial<AntivirusConfig>;
  try {
    c = JSON.parse(text) as Partial<AntivirusConfig>;
  } catch {
    throw new HavreError('SETTINGS_INVALID', { detail: `${antivirusFile(home)} is not valid JSON` });
  }
  const ok = typeof c === 'object' && c !== null && typeof c.enabled === 'boolean' && typeof c.socket === 'string' && c.socket.length > 0
    && (c.whenUnavailable === 'block' || c.whenUnavailable === 'continue')
    && (c.timeoutSeconds === undefined || (Number.isInteger(c.timeoutSeconds) && c.timeoutSeconds > 0 && c.timeoutSeconds <= 3600));
  if (!ok) throw new HavreError('SETTINGS_INVALID', { detail: `${antivirusFile(home)}: expected {"enabled": true|false, "socket": "/path/or tcp://host:port", "whenUnavailable": "block"|"continue", "timeoutSeconds"?: 1–3600}` });
  return c.enabled ? (c as AntivirusConfig) : null;
}

export class FileScanner {
  /** Files stored without a verdict (policy `continue`), and why the scanner could not be used. */
  unscanned = 0;
  /** Files larger than clamd scans (its StreamMaxLength): stored unscanned whatever the policy, as clamscan skips them. */
  tooLarge = 0;
  failure: string | null = null;
  /** Signature names met in this run (not file names: those go sealed in the audit event). */
  readonly signatures = new Set<string>();

  constructor(private readonly config: AntivirusConfig) {}

  get socket(): string {
    return this.config.socket;
  }

  /**
   * The verdict on one file; in `continue` mode a scanner failure is a clean verdict counted as
   * unscanned (and the scanner is not tried again in this run, so a hung clamd costs one timeout).
   */
  async scan(path: string): Promise<Verdict> {
    if (this.failure !== null && this.config.whenUnavailable === 'continue') {
      this.unscanned++;
      return { infected: false };
    }
    try {
      const v = await scanStream({ socket: this.config.socket, timeoutMs: (this.config.timeoutSeconds ?? 60) * 1000 },
        createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>);
      if (v.infected) this.signatures.add(v.signature);
      else if (v.tooLarge) this.tooLarge++;
      return v;
    } catch (e) {
      if (!(e instanceof ScannerFailure)) {
        // The file itself could not be read: the backup's own read reports it properly.
        if (errnoCode(e) !== undefined) return { infected: false };
        throw e;
      }
      this.failure = e.reason;
      if (this.config.whenUnavailable === 'block') throw new HavreError('SCANNER_UNAVAILABLE', { socket: this.config.socket, reason: e.reason });
      this.unscanned++;
      return { infected: false };
    }
  }
}
