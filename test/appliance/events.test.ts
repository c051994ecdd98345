// The machine event log (PROTOCOL.md §7): the appliance checks each machine's hash chain, counts
// resent events as duplicates, stores breaks marked and alerted; heartbeats and silent machines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../appliance/clock.js';
import { chainEvents, eventHash, GENESIS_HASH, type ChainedEvent, type ChainHead, type EventsResponse } from '../../src-main/engine/appliance/protocol.js';
import { startAppliance, type TestAppliance } from './helpers/appliance.js';
import { call } from './helpers/https.js';
import { enroll, type TestMachine } from './helpers/machines.js';

function events(n: number, from = 0): { time: string; type: string; data: Record<string, unknown> }[] {
  return Array.from({ length: n }, (_, i) => ({ time: new Date(Date.UTC(2026, 10, 22, 10, 0, from + i)).toISOString(), type: 'backup.done', data: { n: from + i, files: { added: i, nested: [1, { b: 2, a: 1 }] } } }));
}

describe('appliance event log and heartbeats', () => {
  let t: TestAppliance;

  const head = async (m: TestMachine): Promise<ChainHead> => (await call(t, 'GET', '/v1/machine/events/head', { id: m.id })).json<ChainHead>();
  const push = async (m: TestMachine, evs: readonly ChainedEvent[]) => call(t, 'POST', '/v1/machine/events', { id: m.id, json: { events: evs } });

  beforeAll(async () => {
    t = await startAppliance();
  });
  afterAll(() => t.stop());

  it('accepts a good chain, moves the head, and counts a resent batch as duplicates', async () => {
    const m = await enroll(t);
    expect(await head(m)).toEqual({ seq: 0, hash: GENESIS_HASH });
    const first = chainEvents(await head(m), events(3));
    const r = await push(m, first);
    expect(r.status).toBe(200);
    expect(r.json<EventsResponse>()).toEqual({ accepted: 3, duplicates: 0, chainOk: true, head: { seq: 3, hash: first[2]!.hash } });
    expect(await head(m)).toEqual({ seq: 3, hash: first[2]!.hash });

    // The client did not get the answer and sends again, plus two new ones.
    const more = chainEvents({ seq: 3, hash: first[2]!.hash }, events(2, 3));
    const again = (await push(m, [...first, ...more])).json<EventsResponse>();
    expect(again).toEqual({ accepted: 2, duplicates: 3, chainOk: true, head: { seq: 5, hash: more[1]!.hash } });
    const stored = t.app.events.list({ machineId: m.machineId });
    expect(stored).toHaveLength(5);
    expect(stored.every((e) => e.chainOk)).toBe(true);
    expect(stored[0]!.data).toEqual({ n: 4, files: { added: 1, nested: [1, { a: 1, b: 2 }] } });
    expect(t.app.alerts.list({ machineId: m.machineId }).filter((a) => a.type === 'CHAIN_BREAK')).toHaveLength(0);
  });

  it.each([
    ['a hash that does not match the content', (e: ChainedEvent): ChainedEvent => ({ ...e, data: { ...e.data, n: 999 } })],
    ['a prev that is not the head', (e: ChainedEvent): ChainedEvent => {
      const prev = 'a'.repeat(64);
      return { ...e, prev, hash: eventHash({ ...e, prev }) };
    }],
    ['a gap in seq', (e: ChainedEvent): ChainedEvent => {
      const seq = e.seq + 1;
      return { ...e, seq, hash: eventHash({ ...e, seq }) };
    }],
  ])('stores an event with %s, answers chainOk false, raises CHAIN_BREAK, and continues from it', async (_what, tamper) => {
    const m = await enroll(t);
    const good = chainEvents(await head(m), events(2));
    await push(m, good);
    const [next] = chainEvents({ seq: 2, hash: good[1]!.hash }, events(1, 2));
    const bad = tamper(next!);
    const r = (await push(m, [bad])).json<EventsResponse>();
    expect(r).toMatchObject({ accepted: 1, duplicates: 0, chainOk: false, head: { seq: bad.seq, hash: bad.hash } });
    const stored = t.app.events.list({ machineId: m.machineId });
    expect(stored).toHaveLength(3);
    expect(stored[0]).toMatchObject({ seq: bad.seq, hash: bad.hash, chainOk: false });
    const alerts = t.app.alerts.list({ machineId: m.machineId }).filter((a) => a.type === 'CHAIN_BREAK');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.open).toBe(true);

    // The chain goes on from the stored break: the next proper event is accepted as ok.
    const after = chainEvents({ seq: bad.seq, hash: bad.hash }, events(1, 10));
    expect((await push(m, after)).json<EventsResponse>()).toMatchObject({ accepted: 1, chainOk: true });
    // Resending the tampered event is a duplicate, not a second break.
    expect((await push(m, [bad])).json<EventsResponse>()).toMatchObject({ accepted: 0, duplicates: 1, chainOk: true });
    expect(t.app.alerts.list({ machineId: m.machineId }).filter((a) => a.type === 'CHAIN_BREAK')).toHaveLength(1);
  });

  it('refuses malformed events with 400 and stores nothing of the batch', async () => {
    const m = await enroll(t);
    const good = chainEvents(await head(m), events(2));
    const r = await push(m, [good[0]!, { ...good[1]!, type: 'Not A Type' }]);
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ error: { code: 'BAD_REQUEST', params: { reason: 'events.events[1].type is not a valid event type' } } });
    expect(t.app.events.list({ machineId: m.machineId })).toHaveLength(0);
    expect(await head(m)).toEqual({ seq: 0, hash: GENESIS_HASH });
  });

  it('a heartbeat records status, config and last_seen; a machine silent over 72 h raises MACHINE_SILENT, closed by its next heartbeat', async () => {
    const m = await enroll(t, { host: 'PC-QUIET' });
    const hb = await call(t, 'POST', '/v1/machine/heartbeat', { id: m.id, json: { status: { lastBackup: 'ok', files: 12 }, config: { schedule: 'hourly' } } });
    expect(hb.status).toBe(200);
    expect(hb.json()).toEqual({ time: new Date(t.clock.now()).toISOString(), nextSeconds: 3 * 3600 });
    const info = t.app.machines.info(m.machineId);
    expect(info.lastSeen).toBe(new Date(t.clock.now()).toISOString());
    expect(info.lastStatus).toEqual({ lastBackup: 'ok', files: 12 });
    expect(info.lastConfig).toEqual({ schedule: 'hourly' });

    const silent = () => t.app.alerts.list({ machineId: m.machineId }).filter((a) => a.type === 'MACHINE_SILENT' && a.open);
    t.clock.advance(71 * HOUR_MS);
    await t.app.tick();
    expect(silent()).toHaveLength(0);
    t.clock.advance(2 * HOUR_MS);
    await t.app.tick();
    expect(silent()).toHaveLength(1);
    expect(silent()[0]!.message).toContain('PC-QUIET');
    await t.app.tick();
    expect(silent()).toHaveLength(1); // one open alert per machine

    await call(t, 'POST', '/v1/machine/heartbeat', { id: m.id, json: { status: {}, config: {} } });
    expect(silent()).toHaveLength(0);
    expect(t.app.alerts.list({ machineId: m.machineId, all: true }).find((a) => a.type === 'MACHINE_SILENT')?.closedAt).not.toBeNull();

    // The administrator allows longer silences for this machine.
    t.app.machines.setMaxSilence(m.machineId, 24 * 7, 'admin-cli');
    t.clock.advance(100 * HOUR_MS);
    await t.app.tick();
    expect(silent()).toHaveLength(0);
  });

  it('refuses a heartbeat with an oversized report', async () => {
    const m = await enroll(t);
    const r = await call(t, 'POST', '/v1/machine/heartbeat', { id: m.id, json: { status: { blob: 'x'.repeat(70 * 1024) }, config: {} } });
    expect(r.status).toBe(400);
    expect(r.code).toBe('BAD_REQUEST');
  });
});
