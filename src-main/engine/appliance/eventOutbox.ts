// This machine's audit events for its appliance (PROTOCOL.md §7): a hash chain kept on this
// computer, in `<home>/appliances/<applianceId>/<machineId>.events.jsonl`, and pushed after each
// write job. The chain is made here, from the machine's own head, so the appliance checks it rather
// than dictates it. Events carry job names, outcomes, counts and snapshot ids, never a path.
// Issue 7 moves the local chain into the catalog with a K_log-authenticated head; the wire stays.
import { appendFile, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors/index.js';
import { writeFileAtomic } from '../files/durable.js';
import type { ApplianceRepoRef } from '../home/homeConfig.js';
import type { ApplianceClient } from './ApplianceClient.js';
import { applianceDir } from './localFiles.js';
import { chainEvents, GENESIS_HASH, MAX_EVENTS_PER_PUSH, parseChainedEvent, type ChainedEvent, type ChainHead } from './protocol.js';

type Ref = Pick<ApplianceRepoRef, 'applianceId' | 'machineId'>;

export function eventsFile(home: string, ref: Ref): string {
  return join(applianceDir(home, ref.applianceId), `${ref.machineId}.events.jsonl`);
}

/** Events not yet acknowledged by the appliance, after the last acknowledged one (kept as the chain's anchor). */
async function readOutbox(home: string, ref: Ref): Promise<ChainedEvent[]> {
  let text: string;
  try {
    text = await readFile(eventsFile(home, ref), 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
  const out: ChainedEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(parseChainedEvent(JSON.parse(line), 'event'));
    } catch {
      // A torn last line (a crash mid-append) is dropped; the chain goes on from the line before.
    }
  }
  return out;
}

function headOf(events: readonly ChainedEvent[]): ChainHead {
  const last = events.at(-1);
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
}

/** Appends one event to the local chain (durably). Callers hold the repository's write lock. */
export async function recordEvent(home: string, ref: Ref, type: string, data: Record<string, unknown>, now = new Date()): Promise<ChainedEvent> {
  const [event] = chainEvents(headOf(await readOutbox(home, ref)), [{ time: now.toISOString(), type, data }]);
  const file = eventsFile(home, ref);
  await appendFile(file, `${JSON.stringify(event)}\n`, { mode: 0o644 });
  const fh = await open(file, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  return event!;
}

/**
 * Sends the events the appliance has not acknowledged, then keeps only the last one locally (the
 * anchor of the next). Returns what was sent and whether the appliance found the chain whole.
 */
export async function pushEvents(home: string, ref: Ref, client: ApplianceClient): Promise<{ sent: number; chainOk: boolean }> {
  const events = await readOutbox(home, ref);
  if (events.length === 0) return { sent: 0, chainOk: true };
  let chainOk = true;
  for (let i = 0; i < events.length; i += MAX_EVENTS_PER_PUSH) {
    const r = await client.pushEvents(events.slice(i, i + MAX_EVENTS_PER_PUSH));
    chainOk &&= r.chainOk;
  }
  // The anchor is re-sent with the next batch and counted as a duplicate: harmless, and it lets a
  // fresh appliance database (restored from an older backup) see where the chain stands.
  await writeFileAtomic(eventsFile(home, ref), `${JSON.stringify(events.at(-1))}\n`, 0o644);
  return { sent: events.length, chainOk };
}
