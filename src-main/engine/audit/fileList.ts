// "The files concerned" by an event, bounded and sealed (DECISIONS.md, SECURITY.md): the event
// carries the count, a keyed digest of the whole list, and the first paths, deflated and sealed
// with AES-256-GCM under a key derived from K_log; the AAD binds the list to its event, so a
// list moved to another event does not open. No file name is ever in an event in clear.
import { createHash, createHmac, type Hash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { open, seal } from '../crypto/index.js';
import { HavreError } from '../errors/index.js';

/** Sealed bytes at most: with base64 and the other fields an event stays far below MAX_EVENT_DATA_BYTES (16 KiB). */
export const MAX_SEALED_LIST_BYTES = 9 * 1024;
/** Raw path bytes kept in memory for the sealed part; the digest covers every path. */
const MAX_KEPT_BYTES = 256 * 1024;

/** What an event's `files` field holds. */
export interface SealedFileList {
  /** Files concerned, all of them. */
  readonly count: number;
  /** How many of them are in `sealed` (the first ones). */
  readonly listed: number;
  /** HMAC(K_digest, SHA-256 of every path, NUL-separated), hex: checks a full list kept elsewhere. */
  readonly digest: string;
  /** b64 of seal(deflate(JSON paths)). */
  readonly sealed: string;
}

/** Collects paths as a job meets them, in bounded memory. */
export class FileListCollector {
  private readonly hash: Hash = createHash('sha256');
  private readonly kept: string[] = [];
  private keptBytes = 0;
  count = 0;

  add(path: string): void {
    this.count++;
    this.hash.update(path, 'utf8').update('\0');
    if (this.keptBytes < MAX_KEPT_BYTES) {
      this.kept.push(path);
      this.keptBytes += Buffer.byteLength(path) + 3;
    }
  }

  /** The list for the event whose identity `aad` gives (see listAad). */
  seal(keys: { files: Buffer; digest: Buffer }, aad: Buffer): SealedFileList {
    const digest = createHmac('sha256', keys.digest).update(this.hash.copy().digest()).digest('hex');
    let listed = this.kept.length;
    for (;;) {
      const packed = deflateRawSync(Buffer.from(JSON.stringify(this.kept.slice(0, listed)), 'utf8'));
      if (packed.length <= MAX_SEALED_LIST_BYTES - 28 || listed === 0) {
        return { count: this.count, listed, digest, sealed: seal(keys.files, packed, aad).toString('base64') };
      }
      listed = Math.floor(listed * Math.min(0.9, (MAX_SEALED_LIST_BYTES - 28) / packed.length));
    }
  }
}

/** The AAD of an event's file list: the event's place and identity in the chain. */
export function listAad(repoId: string, seq: number, time: string, type: string): Buffer {
  return Buffer.from(`havre-event-files/v1\n${repoId}\n${seq}\n${time}\n${type}`, 'utf8');
}

/** The paths of a sealed list; AUDIT_LOG_DAMAGED when it does not open under this event. */
export function openFileList(key: Buffer, list: SealedFileList, aad: Buffer, seq: number): string[] {
  try {
    const paths = JSON.parse(inflateRawSync(open(key, Buffer.from(list.sealed, 'base64'), aad, 'event file list')).toString('utf8')) as unknown;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) throw new Error('not a list of paths');
    return paths as string[];
  } catch {
    throw new HavreError('AUDIT_LOG_DAMAGED', { detail: `the file list of event ${seq} does not open: it was altered or moved` });
  }
}
