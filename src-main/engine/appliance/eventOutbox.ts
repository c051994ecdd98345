// This machine's audit events for its appliance (PROTOCOL.md §7): a view of the repository's audit
// log (engine/audit), the events after the last one the appliance acknowledged. The chain is made
// here, from the machine's own head, so the appliance checks it rather than dictates it. Events
// carry job names, outcomes, counts, ids and sealed file lists, never a path in clear.
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditLog } from '../audit/index.js';
import { errnoCode } from '../errors/index.js';
import type { ApplianceRepoRef } from '../home/homeConfig.js';
import type { ApplianceClient } from './ApplianceClient.js';
import { applianceDir } from './localFiles.js';
import { MAX_EVENTS_PER_PUSH, parseChainedEvent, type ChainedEvent } from './protocol.js';

type Ref = Pick<ApplianceRepoRef, 'applianceId' | 'machineId' | 'repoId'>;

/** The outbox file of earlier versions, moved into the audit log once (migrateOutbox). */
export function eventsFile(home: string, ref: Pick<Ref, 'applianceId' | 'machineId'>): string {
  return join(applianceDir(home, ref.applianceId), `${ref.machineId}.events.jsonl`);
}

/**
 * A machine upgraded from the JSONL outbox: its events (the anchor and those not yet sent) start
 * the audit log, after an unauthenticated checkpoint at the anchor's predecessor, so the chain the
 * appliance holds goes on unbroken. Runs before any event is recorded; once.
 */
export async function migrateOutbox(home: string, ref: Ref): Promise<void> {
  let text: string;
  try {
    text = await readFile(eventsFile(home, ref), 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
    throw e;
  }
  const events: ChainedEvent[] = [];
  for (const line of text.split('\n')) {
    try {
      if (line) events.push(parseChainedEvent(JSON.parse(line), 'event'));
    } catch {
      // a torn last line (a crash mid-append) is dropped, as the old outbox did
    }
  }
  const log = AuditLog.open(home, ref.repoId, null);
  try {
    if (log.head().seq === 0 && events.length > 0) log.adopt(events);
  } finally {
    log.close();
  }
  await rename(eventsFile(home, ref), `${eventsFile(home, ref)}.migrated`);
}

function wire(e: ChainedEvent): ChainedEvent {
  return { seq: e.seq, time: e.time, type: e.type, data: e.data, prev: e.prev, hash: e.hash };
}

/**
 * Sends the events the appliance has not acknowledged (from the last acknowledged one, re-sent as
 * the anchor). Returns what was sent and whether the appliance found the chain whole.
 */
export async function pushEvents(home: string, ref: Ref, client: ApplianceClient): Promise<{ sent: number; chainOk: boolean }> {
  const log = AuditLog.open(home, ref.repoId, null);
  try {
    // The anchor is re-sent with the next batch and counted as a duplicate: harmless, and it lets a
    // fresh appliance database (restored from an older backup) see where the chain stands.
    // A local head behind what the appliance acknowledged: the newest events were removed here
    // (or the log replaced). Everything kept is sent again: what the appliance has counts as
    // duplicates, and the first event that differs from its copy is a CHAIN_BREAK for IT.
    if (log.head().seq < log.acked()) log.setAcked(0);
    const events = log.events(log.acked() - 1).map(wire);
    if (events.length === 0 || (events.length === 1 && events[0]!.seq === log.acked())) return { sent: 0, chainOk: true };
    let chainOk = true;
    for (let i = 0; i < events.length; i += MAX_EVENTS_PER_PUSH) {
      const batch = events.slice(i, i + MAX_EVENTS_PER_PUSH);
      const r = await client.pushEvents(batch);
      chainOk &&= r.chainOk;
      log.setAcked(batch.at(-1)!.seq);
    }
    return { sent: events.length, chainOk };
  } finally {
    log.close();
  }
}
