// Silent enrollment (issue 8): the first start with an appliance and a token in the machine policy
// enrolls this machine without asking anything. A failure is reported and retried (1, 2, 5, 15,
// then every 60 minutes, across restarts); a token the appliance refuses stops the retries until IT
// deploys a new one. enrollMachine undoes its own writes when a step fails, so the machine is
// either enrolled or untouched.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IpcError } from '../../ipc/contract.js';
import { enrollMachine, type EnrollOptions } from '../appliance/index.js';
import { HavreError, errnoCode, isHavreError } from '../errors/index.js';
import { writeFileAtomic } from '../files/durable.js';
import { readHomeConfig } from '../home/homeConfig.js';
import type { Keychain } from '../keychain/index.js';
import { LocalLock } from '../repo/LocalLock.js';
import { ipcError } from './loadPolicy.js';
import type { Policy } from './schema.js';

/** Minutes before the next attempt, by attempts so far; the last one repeats. */
export const RETRY_MINUTES = [1, 2, 5, 15, 60] as const;
/** The appliance refused the token itself: only a new token helps. */
const FINAL = new Set(['TOKEN_INVALID', 'TOKEN_MALFORMED']);

export type SilentEnrollOutcome =
  | { readonly state: 'not-configured' }
  | { readonly state: 'enrolled'; readonly machineId: string; readonly already: boolean }
  /** Failed; tried again at nextAttemptAt (also what a call before then answers). */
  | { readonly state: 'retry'; readonly error: IpcError; readonly attempts: number; readonly nextAttemptAt: string }
  | { readonly state: 'stopped'; readonly error: IpcError }
  /** Another process of this account is enrolling right now. */
  | { readonly state: 'busy' };

interface EnrollState {
  version: 1;
  /** Which token these attempts were for (a hash: the token itself is never written here). */
  token: string;
  attempts: number;
  nextAttemptAt: string;
  stopped: boolean;
  error: IpcError;
}

export interface PolicyEnrollOptions {
  readonly home: string;
  readonly policy: Policy;
  /** null: the OS keychain is not available (reason given): an attempt is made later. */
  readonly keychain: Keychain | null;
  readonly keychainReason?: string;
  readonly user: string;
  readonly host: string;
  /** Try now even before the next planned attempt (`havre enroll --from-policy`). */
  readonly force?: boolean;
  readonly now?: () => Date;
  readonly kdf?: EnrollOptions['kdf'];
  readonly client?: EnrollOptions['client'];
}

export function enrollStatePath(home: string): string {
  return join(home, 'enrollment.json');
}

const tokenId = (token: string): string => createHash('sha256').update(token.trim()).digest('hex').slice(0, 32);

async function readState(home: string): Promise<EnrollState | null> {
  try {
    const s = JSON.parse(await readFile(enrollStatePath(home), 'utf8')) as EnrollState;
    return s.version === 1 && typeof s.token === 'string' && Number.isInteger(s.attempts) ? s : null;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || e instanceof SyntaxError) return null;
    throw e;
  }
}

export async function enrollFromPolicy(opts: PolicyEnrollOptions): Promise<SilentEnrollOutcome> {
  const appliance = opts.policy.appliance;
  if (!appliance?.enrollToken) return { state: 'not-configured' };
  const enrolled = async (): Promise<SilentEnrollOutcome | null> => {
    const repo = (await readHomeConfig(opts.home)).repo;
    if (repo?.kind !== 'appliance') return null;
    await rm(enrollStatePath(opts.home), { force: true });
    return { state: 'enrolled', machineId: repo.machineId, already: true };
  };
  const done = await enrolled();
  if (done) return done;
  const now = (opts.now ?? (() => new Date()))();
  const id = tokenId(appliance.enrollToken);
  const before = await readState(opts.home);
  const state = before?.token === id ? before : null;
  if (state?.stopped) return { state: 'stopped', error: state.error };
  if (state && !opts.force && Date.parse(state.nextAttemptAt) > now.getTime()) {
    return { state: 'retry', error: state.error, attempts: state.attempts, nextAttemptAt: state.nextAttemptAt };
  }

  let lock: LocalLock;
  try {
    lock = await LocalLock.acquire(join(opts.home, 'enroll.lock'), 'enrollment');
  } catch (e) {
    if (isHavreError(e, 'LOCKED_BY_PROCESS')) return { state: 'busy' };
    throw e;
  }
  try {
    const raced = await enrolled();
    if (raced) return raced;
    if (!opts.keychain) throw new HavreError('ENROLL_NEEDS_KEYCHAIN', { reason: opts.keychainReason ?? 'none' });
    // No one is there to choose the restore password: a random one, forgotten at once, and the
    // appliance told so: the user chooses theirs later (setRestorePassword), reminded until then.
    const password = randomBytes(32).toString('base64url');
    const r = await enrollMachine({ url: appliance.url, token: appliance.enrollToken, user: appliance.user ?? opts.user, host: opts.host, password, passwordUnset: true,
      keychain: opts.keychain, home: opts.home, ...(opts.kdf ? { kdf: opts.kdf } : {}), ...(opts.client ? { client: opts.client } : {}) });
    await rm(enrollStatePath(opts.home), { force: true });
    return { state: 'enrolled', machineId: r.ref.machineId, already: false };
  } catch (e) {
    if (isHavreError(e, 'ALREADY_ENROLLED')) return (await enrolled()) ?? { state: 'not-configured' };
    if (!isHavreError(e)) throw e;
    const reason = e.userMessage('en').replace(/\.$/, '').slice(0, 400);
    const attempts = (state?.attempts ?? 0) + 1;
    if (FINAL.has(e.code)) {
      const error = ipcError(new HavreError('POLICY_ENROLL_STOPPED', { url: appliance.url, reason }));
      await writeState(opts.home, { version: 1, token: id, attempts, nextAttemptAt: now.toISOString(), stopped: true, error });
      return { state: 'stopped', error };
    }
    const minutes = RETRY_MINUTES[Math.min(attempts, RETRY_MINUTES.length) - 1]!;
    const nextAttemptAt = new Date(now.getTime() + minutes * 60_000).toISOString();
    const error = ipcError(new HavreError('POLICY_ENROLL_RETRY', { url: appliance.url, reason, attempt: attempts, next: nextAttemptAt.slice(0, 16).replace('T', ' ') + ' UTC' }));
    await writeState(opts.home, { version: 1, token: id, attempts, nextAttemptAt, stopped: false, error });
    return { state: 'retry', error, attempts, nextAttemptAt };
  } finally {
    await lock.release();
  }
}

async function writeState(home: string, s: EnrollState): Promise<void> {
  await writeFileAtomic(enrollStatePath(home), JSON.stringify(s, null, 2) + '\n');
}

/**
 * Tries until the machine is enrolled, the token is refused, or `signal` aborts (the daemon, the
 * app's engine). Each outcome goes to `report` (retries are reported, not thrown).
 */
export async function keepEnrollingFromPolicy(opts: Omit<PolicyEnrollOptions, 'force'> & { readonly signal?: AbortSignal },
  report: (o: SilentEnrollOutcome) => void): Promise<SilentEnrollOutcome> {
  for (;;) {
    const o = await enrollFromPolicy(opts);
    report(o);
    if (o.state !== 'retry' && o.state !== 'busy') return o;
    const wait = o.state === 'busy' ? 30_000 : Math.max(1000, Date.parse(o.nextAttemptAt) - Date.now());
    const aborted = await new Promise<boolean>((resolve) => {
      if (opts.signal?.aborted) return resolve(true);
      const t = setTimeout(() => resolve(false), wait);
      opts.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(true); }, { once: true });
    });
    if (aborted) return o;
  }
}
