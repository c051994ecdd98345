import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HavreError, errnoCode } from '../errors/index.js';

/** Where configuration and catalogs live: HAVRE_HOME, else the platform's per-user config folder. */
export function havreHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HAVRE_HOME) return env.HAVRE_HOME;
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Havre');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Havre');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'havre');
}

/** A repository in a folder (local disk, USB drive, NAS mount): the embedded default. */
export interface FsRepoRef {
  readonly kind?: 'fs';
  readonly path: string;
  readonly repoId: string;
}

/**
 * This machine's repository on an appliance (PROTOCOL.md). The CA and the machine certificate are
 * public and live in `<home>/appliances/<applianceId>/`; the private keys are in the OS keychain.
 */
export interface ApplianceRepoRef {
  readonly kind: 'appliance';
  readonly url: string;
  readonly applianceId: string;
  readonly caFingerprint: string;
  readonly machineId: string;
  readonly repoId: string;
}

export type RepoRef = FsRepoRef | ApplianceRepoRef;

export function isApplianceRef(r: RepoRef): r is ApplianceRepoRef {
  return r.kind === 'appliance';
}

export interface HomeConfig {
  readonly version: 1;
  readonly repo?: RepoRef;
  /** Folders the app backs up when asked to "back up now" (the policy of issue 5 will own this). */
  readonly folders?: readonly string[];
}

export async function readHomeConfig(home: string): Promise<HomeConfig> {
  try {
    const o = JSON.parse(await readFile(join(home, 'config.json'), 'utf8')) as HomeConfig;
    return o && o.version === 1 ? o : { version: 1 };
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { version: 1 };
    if (e instanceof SyntaxError) throw new HavreError('USAGE', { detail: `${join(home, 'config.json')} is not valid JSON; fix or delete it` });
    throw e;
  }
}

export async function writeHomeConfig(home: string, config: HomeConfig): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const file = join(home, 'config.json');
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}

/** Where a repository is, for messages: its folder or its appliance's URL. */
export function repoLocation(r: RepoRef): string {
  return isApplianceRef(r) ? r.url : r.path;
}
