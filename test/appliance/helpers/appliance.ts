// A real appliance for tests: a fresh data folder, the weak test KDF, a clock the test moves, an
// HTTPS listener on a random port of 127.0.0.1. The data folder is a copy of one made by
// Appliance.init once per run (the admin's RSA-3072 pair costs seconds): every test file gets its
// own database and objects, sharing the appliance id, CA and admin key.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Appliance } from '../../../appliance/Appliance.js';
import { ManualClock } from '../../../appliance/clock.js';
import { loadConfig, saveConfig, type ApplianceConfig } from '../../../appliance/config/config.js';
import type { Listening, ServerLimits } from '../../../appliance/http/server.js';
import { once } from './shared.js';

export const ADMIN_PASSWORD = 'admin: correct horse battery staple';

export interface TestAppliance {
  readonly app: Appliance;
  readonly clock: ManualClock;
  readonly dir: string;
  readonly port: number;
  readonly caPem: string;
  caFingerprint(): string;
  /** Unexpected errors the server reported (bugs); stop() fails when there are any. */
  readonly errors: unknown[];
  /** Closes the listener and the database; `keepDir` leaves the folder (to reopen it). */
  stop(opts?: { keepDir?: boolean }): Promise<void>;
}

export interface StartOptions {
  /** Edits appliance.json before the appliance is opened for the test. */
  readonly config?: (c: ApplianceConfig) => ApplianceConfig;
  /** An existing data folder (made by a previous start with keepDir). */
  readonly dir?: string;
  readonly clock?: ManualClock;
  readonly env?: NodeJS.ProcessEnv;
  /** Runs between init and open (e.g. to mount a file system over objects/). */
  readonly beforeOpen?: (dir: string) => void | Promise<void>;
  /** Connection timeouts of the HTTPS server (shortened by tests of stalled clients). */
  readonly limits?: Partial<ServerLimits>;
}

/** A new data folder (`<tmp>/…/data`), a copy of the run's freshly initialised appliance. */
export async function newDataDir(): Promise<string> {
  const template = await once('appliance-template', async (dir) => {
    const created = await Appliance.init(join(dir, 'data'), { adminPassword: ADMIN_PASSWORD, names: ['localhost', '127.0.0.1'], kdf: 'test' });
    await created.close();
  });
  const dir = join(mkdtempSync(join(tmpdir(), 'havre-appliance-')), 'data');
  cpSync(join(template, 'data'), dir, { recursive: true });
  return dir;
}

export async function startAppliance(opts: StartOptions = {}): Promise<TestAppliance> {
  const clock = opts.clock ?? new ManualClock();
  const dir = opts.dir ?? (await newDataDir());
  if (opts.config) await saveConfig(dir, opts.config(await loadConfig(dir)));
  await opts.beforeOpen?.(dir);
  const app = await Appliance.open(dir, { clock, ...(opts.env ? { env: opts.env } : {}) });
  // Unexpected errors (500s, a crash in a handler) fail the test file when it stops.
  const errors: unknown[] = [];
  let l: Listening;
  try {
    l = await app.listen({ port: 0, host: '127.0.0.1', onError: (e) => errors.push(e), ...(opts.limits ? { limits: opts.limits } : {}) });
  } catch (e) {
    await app.close();
    throw e;
  }
  const root = dir;
  return {
    app,
    clock,
    dir: root,
    port: l.port,
    caPem: app.caPem,
    caFingerprint: () => app.caFingerprint,
    errors,
    stop: async (o = {}) => {
      await app.close();
      if (!o.keepDir) rmSync(join(root, '..'), { recursive: true, force: true });
      if (errors.length > 0) throw new Error(`the appliance reported unexpected errors:\n${errors.map((e) => (e instanceof Error ? (e.stack ?? e.message) : String(e))).join('\n')}`);
    },
  };
}
