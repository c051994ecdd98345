// The audit log's keys, derived from K_log (FORMAT.md §2): one seals each event's file list, one
// MACs each event's hash and the checkpoint of a pruned prefix, one keys the digest of a file list.
import { createHmac } from 'node:crypto';
import { hkdfSha256, wipe } from '../crypto/index.js';

export interface AuditKeys {
  readonly files: Buffer;
  readonly mac: Buffer;
  readonly digest: Buffer;
}

const SALT = Buffer.from('havre/v1/log', 'utf8');

export function deriveAuditKeys(kLog: Buffer): AuditKeys {
  const k = (label: string): Buffer => hkdfSha256(kLog, SALT, Buffer.from(`havre/v1/log/${label}`, 'utf8'), 32);
  return { files: k('files'), mac: k('mac'), digest: k('digest') };
}

export function wipeAuditKeys(k: AuditKeys): void {
  wipe(k.files, k.mac, k.digest);
}

/** MAC of one event: it authenticates the event and, through `hash`, every event before it. */
export function eventMac(key: Buffer, repoId: string, hash: string): string {
  return createHmac('sha256', key).update(`havre-event-mac/v1\n${repoId}\n${hash}`, 'utf8').digest('hex');
}

/** MAC of a checkpoint: where the kept chain starts once older events were pruned. */
export function checkpointMac(key: Buffer, repoId: string, seq: number, hash: string): string {
  return createHmac('sha256', key).update(`havre-audit-checkpoint/v1\n${repoId}\n${seq}\n${hash}`, 'utf8').digest('hex');
}
