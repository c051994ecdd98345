// The machine's audit events reach its appliance as a hash chain the appliance can check
// (PROTOCOL.md §7): every write job adds one, events made while the appliance is away wait on this
// computer and follow in order, and an edited local event shows up as a break on the appliance.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertFor } from '../../../src-main/engine/alerts/index.js';
import { auditFile } from '../../../src-main/engine/audit/index.js';
import { enrollMachine, openMachineTarget, withMachineRepository, type MachineTarget } from '../../../src-main/engine/appliance/index.js';
import { GENESIS_HASH, eventHash } from '../../../src-main/engine/appliance/protocol.js';
import type { ApplianceRepoRef } from '../../../src-main/engine/home/homeConfig.js';
import { runBackup } from '../../../src-main/engine/jobs/index.js';
import { memoryKeychain } from '../../../src-main/engine/keychain/index.js';
import type { StoredEvent } from '../../../appliance/domain/EventLog.js';
import { FAST_RETRY, initAppliance, makeSource, startInProcess, tempRoot, USER_PASSWORD, type RunningAppliance } from './helpers.js';

const tmp = tempRoot('havre-appl-events-');
const home = join(tmp.root, 'home');
const keychain = memoryKeychain();
let dir: string;
let appl: RunningAppliance;
let ref: ApplianceRepoRef;
let src: string;

// One target for the whole file, as the desktop engine keeps one: SECRET stays in memory, so
// backups go on while the appliance is away.
let target: MachineTarget;

async function backup(): Promise<void> {
  await withMachineRepository(target, home, (repo) => runBackup(repo, { paths: [src], home }), 'backup');
}

/** The machine's own audit log, as rows of its SQLite file (the outbox is a view of it). */
function local(): { seq: number; type: string; data: string; hash: string }[] {
  const db = new Database(auditFile(home, ref.repoId));
  try {
    return db.prepare('SELECT seq, type, data, hash FROM events ORDER BY id').all() as { seq: number; type: string; data: string; hash: string }[];
  } finally {
    db.close();
  }
}

function acked(): number {
  const db = new Database(auditFile(home, ref.repoId));
  try {
    return Number((db.prepare("SELECT value FROM meta WHERE key = 'acked'").get() as { value: string } | undefined)?.value ?? 0);
  } finally {
    db.close();
  }
}

function stored(): StoredEvent[] {
  return appl.app!.events.list({ machineId: ref.machineId }).slice().sort((a, b) => a.seq - b.seq || a.received.localeCompare(b.received));
}

beforeAll(async () => {
  ({ dir } = await initAppliance(tmp.root));
  appl = await startInProcess(dir);
  src = makeSource(tmp.root).src;
  ref = (await enrollMachine({ url: appl.url, token: await appl.token(), user: 'alice', host: 'PC-ALICE', password: USER_PASSWORD, keychain, home, kdf: 'test', client: { retry: FAST_RETRY } })).ref;
  target = await openMachineTarget(home, ref, keychain, { cache: true, tuning: { retry: FAST_RETRY } });
});

afterAll(async () => {
  target.close();
  await appl.stop().catch(() => undefined);
  tmp.cleanup();
});

describe('audit events from the machine to its appliance', () => {
  it('each backup adds one event, chained from the genesis, with no path in it', async () => {
    await backup();
    await backup();
    const ev = stored();
    // Enrollment starts the chain; then one event per backup.
    expect(ev.map((e) => [e.seq, e.type, e.chainOk])).toEqual([[1, 'enroll', true], [2, 'job.done', true], [3, 'job.done', true]]);
    expect(ev[0]!.prev).toBe(GENESIS_HASH);
    expect(ev[2]!.prev).toBe(ev[1]!.hash);
    expect(ev[2]!.data).toMatchObject({ job: 'backup', snapshots: 2 });
    expect(JSON.stringify(ev)).not.toContain(src);
    // The file list travels sealed: a count and ciphertext, never a name.
    expect((ev[1]!.data.files as { count: number }).count).toBeGreaterThan(0);
    // Locally every event stays (the audit log); the appliance acknowledged up to the head.
    expect(local().map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(local()[2]!.hash).toBe(ev[2]!.hash);
    expect(acked()).toBe(3);
  });

  it('events made while the appliance is away wait here and follow in order', async () => {
    const port = appl.port;
    await appl.stop();
    await backup(); // spooled, and its event kept locally
    expect(local()).toHaveLength(4);
    expect(acked()).toBe(3);
    appl = await startInProcess(dir, port);
    await backup();
    const ev = stored();
    expect(ev.filter((e) => e.seq > 3).map((e) => [e.seq, e.chainOk])).toEqual([[4, true], [5, true]]);
    expect(ev.every((e) => e.chainOk)).toBe(true);
  });

  it('an event edited on this computer before it was sent is a break the appliance flags', async () => {
    const port = appl.port;
    await appl.stop();
    await backup();
    // Someone rewrites the waiting event (its outcome) and even recomputes its hash: the chain's
    // next link no longer matches, and an unrecomputed edit fails its own hash.
    const waiting = local().at(-1)!;
    const db = new Database(auditFile(home, ref.repoId));
    db.prepare("UPDATE events SET type = 'job.failed' WHERE seq = ?").run(waiting.seq); // hash not recomputed
    db.close();
    appl = await startInProcess(dir, port);
    await backup();
    const ev = stored().filter((e) => e.seq === waiting.seq);
    expect(ev).toHaveLength(1);
    expect(ev[0]!.chainOk).toBe(false);
    expect(eventHash(ev[0]!)).not.toBe(ev[0]!.hash);
    expect(appl.app!.alerts.list().some((a) => a.type === 'CHAIN_BREAK' && a.machineId === ref.machineId)).toBe(true);
    // The user is told too, not only IT: the rejection is an event of the log, which alerts.
    const told = local().filter((e) => e.type === 'appliance.chain-rejected');
    expect(told).toHaveLength(1);
    expect(alertFor({ seq: told[0]!.seq, time: new Date().toISOString(), type: told[0]!.type, data: {} })).toMatchObject({ kind: 'audit-chain-rejected', severity: 'critical', messageFr: expect.stringMatching(/support informatique/) });
  });

  it('the newest events deleted here after they were sent (truncation): the next event is a break the appliance flags', async () => {
    for (const a of appl.app!.alerts.list()) if (a.type === 'CHAIN_BREAK') appl.app!.alerts.close(a.id);
    await backup(); // sends the rejection event of the test above; the chain goes on from the break
    const before = local().at(-1)!.seq;
    expect(acked()).toBe(before);
    const db = new Database(auditFile(home, ref.repoId));
    db.prepare('DELETE FROM events WHERE seq >= ?').run(before - 1); // the two newest, both acknowledged
    db.close();
    await backup();
    const replaced = stored().filter((e) => e.seq === before - 1);
    expect(replaced).toHaveLength(2); // the appliance keeps both: what it had, and what came instead
    expect(replaced.some((e) => !e.chainOk)).toBe(true);
    expect(appl.app!.alerts.list().some((a) => a.type === 'CHAIN_BREAK' && a.machineId === ref.machineId && a.open)).toBe(true);
  });
});
