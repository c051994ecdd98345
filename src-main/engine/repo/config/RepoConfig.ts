import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { validateChunkerParams, DEFAULT_CHUNKER_PARAMS, type ChunkerParams } from '../../chunk/index.js';
import { HavreError } from '../../errors/index.js';

/** The repository's parameters (FORMAT.md §4). Readable before unlock; its MAC is checked after. */
export interface RepoConfig {
  readonly format: 'havre-repo';
  readonly version: 1;
  readonly repoId: string;
  readonly created: string;
  readonly chunker: ChunkerParams;
  readonly packSize: number;
  readonly mac: string;
}

type Unsigned = Omit<RepoConfig, 'mac'>;

export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;

function macOf(c: Unsigned, configKey: Buffer): string {
  const body = { format: c.format, version: c.version, repoId: c.repoId, created: c.created,
    chunker: { min: c.chunker.min, avg: c.chunker.avg, max: c.chunker.max }, packSize: c.packSize };
  return createHmac('sha256', configKey).update(JSON.stringify(body), 'utf8').digest('hex');
}

export function newRepoId(): string {
  return randomBytes(16).toString('hex');
}

export function createRepoConfig(repoId: string, configKey: Buffer): RepoConfig {
  const c: Unsigned = { format: 'havre-repo', version: 1, repoId, created: new Date().toISOString(),
    chunker: { ...DEFAULT_CHUNKER_PARAMS }, packSize: DEFAULT_PACK_SIZE };
  return { ...c, mac: macOf(c, configKey) };
}

export function encodeRepoConfig(c: RepoConfig): Buffer {
  return Buffer.from(JSON.stringify(c), 'utf8');
}

/** Parses the plaintext config (before unlock): shape and version only. */
export function parseRepoConfig(bytes: Buffer): RepoConfig {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new HavreError('REPO_CONFIG_INVALID', { reason: 'not JSON' });
  }
  if (o === null || typeof o !== 'object' || o.format !== 'havre-repo') throw new HavreError('REPO_CONFIG_INVALID', { reason: 'not a Havre config' });
  // The config is read before anything is authenticated: its version is named only when it is a
  // number (String() of a deeply nested list would overflow the stack).
  if (o.version !== 1) throw new HavreError('UNSUPPORTED_VERSION', { version: typeof o.version === 'number' ? o.version : `(a ${typeof o.version})` });
  if (typeof o.repoId !== 'string' || !/^[0-9a-f]{32}$/.test(o.repoId)) throw new HavreError('REPO_CONFIG_INVALID', { reason: 'repoId' });
  if (typeof o.created !== 'string' || typeof o.mac !== 'string') throw new HavreError('REPO_CONFIG_INVALID', { reason: 'fields' });
  const packSize = o.packSize;
  if (typeof packSize !== 'number' || !Number.isInteger(packSize) || packSize < 1 << 20 || packSize > 1 << 30) {
    throw new HavreError('REPO_CONFIG_INVALID', { reason: 'packSize' });
  }
  return { format: 'havre-repo', version: 1, repoId: o.repoId, created: o.created, chunker: validateChunkerParams(o.chunker), packSize, mac: o.mac };
}

/** After unlock: a config whose MAC fails was altered by someone without the keys. */
export function verifyRepoConfig(c: RepoConfig, configKey: Buffer): void {
  const expected = Buffer.from(macOf(c, configKey), 'hex');
  const got = Buffer.from(c.mac, 'hex');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    throw new HavreError('REPO_CONFIG_INVALID', { reason: 'authentication failed' });
  }
}
