// Checks an audit chain as it was read (SECURITY.md, invariant 5): each event's hash, its link to
// the one before, its seq, and its MAC under K_log. The first failure is named; a hash chain alone
// cannot tell an edit from a re-sealed chain, the MAC can. Clock anomalies are warnings, not breaks.
import { timingSafeEqual } from 'node:crypto';
import { eventHash } from '../appliance/protocol.js';
import type { AuditEvent, Checkpoint } from './AuditStore.js';
import { checkpointMac, eventMac } from './auditKeys.js';
import { clockWarnings, type ClockWarning } from './clock.js';

export type BreakKind = 'checkpoint' | 'edited' | 'resealed' | 'missing' | 'reordered' | 'unlinked';

export interface ChainBreak {
  readonly seq: number;
  readonly kind: BreakKind;
  /** English, for logs and the CLI's JSON; the CLI words it for the user. */
  readonly reason: string;
}

export interface ChainReport {
  readonly ok: boolean;
  readonly events: number;
  readonly first: number | null;
  readonly head: { readonly seq: number; readonly hash: string };
  readonly firstBreak: ChainBreak | null;
  /** Events written without K_log at hand (a failed password): the next MAC'd event vouches for them. */
  readonly unauthenticated: number;
  /** The MAC was not checked (no key): chain-only verification. */
  readonly macChecked: boolean;
  readonly clock: readonly ClockWarning[];
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Verifies `events` (in stored order) after `start`. `macKey` null checks the chain only (anyone can,
 * on an export); with it, re-sealing is detected too.
 */
export function verifyChain(repoId: string, start: Checkpoint, events: readonly AuditEvent[], macKey: Buffer | null): ChainReport {
  let firstBreak: ChainBreak | null = null;
  let unauthenticated = 0;
  const fail = (b: ChainBreak): void => {
    firstBreak ??= b;
  };
  if (macKey && start.seq > 0 && (start.mac === null || !sameHex(start.mac, checkpointMac(macKey, repoId, start.seq, start.hash)))) {
    fail({ seq: start.seq, kind: 'checkpoint', reason: 'the checkpoint of pruned events is not authentic' });
  }
  let prev = { seq: start.seq, hash: start.hash };
  // The last event whose MAC held: a break found by a MAC after unauthenticated events lies between.
  let lastVouched = start.seq;
  for (const e of events) {
    if (firstBreak) break;
    if (eventHash(e) !== e.hash) {
      fail({ seq: e.seq, kind: 'edited', reason: 'the event was changed after it was written' });
    } else if (e.seq !== prev.seq + 1) {
      if (e.seq <= prev.seq) fail({ seq: e.seq, kind: 'reordered', reason: `event ${e.seq} comes after event ${prev.seq}` });
      else if (events.some((x) => x.seq === prev.seq + 1)) fail({ seq: e.seq, kind: 'reordered', reason: `event ${e.seq} stands before event ${prev.seq + 1}` });
      else fail({ seq: prev.seq + 1, kind: 'missing', reason: `events ${prev.seq + 1} to ${e.seq - 1} are missing` });
    } else if (e.prev !== prev.hash) {
      fail({ seq: e.seq, kind: 'unlinked', reason: 'the event does not follow the one before it (one was removed or replaced)' });
    } else if (macKey) {
      if (e.mac === null) unauthenticated++;
      else if (!sameHex(e.mac, eventMac(macKey, repoId, e.hash))) {
        const at = lastVouched + 1 === e.seq ? `${e.seq}` : `one of ${lastVouched + 1}–${e.seq}`;
        fail({ seq: e.seq, kind: 'resealed', reason: `event ${at} was changed and the chain recomputed (its MAC does not match)` });
      } else lastVouched = e.seq;
    }
    prev = { seq: e.seq, hash: e.hash };
  }
  return {
    ok: firstBreak === null,
    events: events.length,
    first: events[0]?.seq ?? null,
    head: prev,
    firstBreak,
    unauthenticated,
    macChecked: macKey !== null,
    clock: clockWarnings(events),
  };
}
