// Sub-keys of a repository, derived from its 32-byte SECRET (FORMAT.md §2).
import { createHmac } from 'node:crypto';
import { HavreError } from '../errors/index.js';
import { hkdfSha256 } from './hkdf.js';

export interface RepoKeys {
  /** AES-256-GCM of blobs, pack headers, index and snapshot objects. */
  enc: Buffer;
  /** Keyed blob ids: HMAC-SHA256(K_id, plaintext). */
  id: Buffer;
  /** Gear table of the keyed chunker. */
  chunker: Buffer;
  /** Authenticates the audit log's chain head. */
  log: Buffer;
  /** MAC of the config object. */
  config: Buffer;
  /** Seals what this machine's catalog keeps of names that may no longer be on its disk (the restore browser's index). Never used on the repository. */
  catalog: Buffer;
}

type Label = keyof RepoKeys;
const SALT = Buffer.from('havre/v1', 'utf8');

export function deriveRepoKeys(secret: Buffer): RepoKeys {
  if (secret.length !== 32) throw new HavreError('INTERNAL', { reason: 'repository SECRET must be 32 bytes' });
  const k = (label: Label): Buffer => hkdfSha256(secret, SALT, Buffer.from(`havre/v1/${label}`, 'utf8'), 32);
  return { enc: k('enc'), id: k('id'), chunker: k('chunker'), log: k('log'), config: k('config'), catalog: k('catalog') };
}

/** A blob's id: keyed, so the storage side cannot test whether a known file is in the repository. */
export function blobId(idKey: Buffer, plaintext: Uint8Array): Buffer {
  return createHmac('sha256', idKey).update(plaintext).digest();
}

/** Overwrites key material once it is no longer needed (lock, end of job). */
export function wipe(...bufs: Buffer[]): void {
  for (const b of bufs) b.fill(0);
}

/** Wipes every sub-key of a RepoKeys. */
export function wipeRepoKeys(keys: RepoKeys): void {
  wipe(keys.enc, keys.id, keys.chunker, keys.log, keys.config, keys.catalog);
}
