// The machine's audit events reach its appliance as a hash chain the appliance can check
// (PROTOCOL.md §7): every write job adds one, events made while the appliance is away wait on this
// computer and follow in order, and an edited local event shows up as a break on the appliance.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollMachine, eventsFile, openMachineTarget, withMachineRepository, type MachineTarget } from '../../../src-main/engine/appliance/index.js';
import { GENESIS_HASH, eventHash, type ChainedEvent } from '../../../src-main/engine/appliance/protocol.js';
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
    expect(ev.map((e) => [e.seq, e.type, e.chainOk])).toEqual([[1, 'job.done', true], [2, 'job.done', true]]);
    expect(ev[0]!.prev).toBe(GENESIS_HASH);
    expect(ev[1]!.prev).toBe(ev[0]!.hash);
    expect(ev[1]!.data).toMatchObject({ job: 'backup', snapshots: 2 });
    expect(JSON.stringify(ev)).not.toContain(src);
    // Locally only the last acknowledged event stays, as the anchor of the next one.
    const local = readFileSync(eventsFile(home, ref), 'utf8').trim().split('\n');
    expect(local).toHaveLength(1);
    expect((JSON.parse(local[0]!) as ChainedEvent).seq).toBe(2);
  });

  it('events made while the appliance is away wait here and follow in order', async () => {
    const port = appl.port;
    await appl.stop();
    await backup(); // spooled, and its event kept locally
    expect(readFileSync(eventsFile(home, ref), 'utf8').trim().split('\n')).toHaveLength(2);
    appl = await startInProcess(dir, port);
    await backup();
    const ev = stored();
    expect(ev.filter((e) => e.seq > 2).map((e) => [e.seq, e.chainOk])).toEqual([[3, true], [4, true]]);
    expect(ev.every((e) => e.chainOk)).toBe(true);
  });

  it('an event edited on this computer before it was sent is a break the appliance flags', async () => {
    const port = appl.port;
    await appl.stop();
    await backup();
    // Someone rewrites the waiting event (its outcome) and even recomputes its hash: the chain's
    // next link no longer matches, and an unrecomputed edit fails its own hash.
    const file = eventsFile(home, ref);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const waiting = JSON.parse(lines[1]!) as ChainedEvent;
    const edited = { ...waiting, type: 'job.failed' };
    lines[1] = JSON.stringify(edited); // hash not recomputed
    writeFileSync(file, `${lines.join('\n')}\n`);
    appl = await startInProcess(dir, port);
    await backup();
    const ev = stored().filter((e) => e.seq === waiting.seq);
    expect(ev).toHaveLength(1);
    expect(ev[0]!.chainOk).toBe(false);
    expect(eventHash(ev[0]!)).not.toBe(ev[0]!.hash);
    expect(appl.app!.alerts.list().some((a) => a.type === 'CHAIN_BREAK' && a.machineId === ref.machineId)).toBe(true);
  });
});
