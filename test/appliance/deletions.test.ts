// Delayed deletion (PROTOCOL.md §6, DESIGN.md §4): a DELETE is a request, hidden at once, carried
// out 14 days later by the sweeper unless cancelled; the bytes stay on disk until then.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../appliance/clock.js';
import type { DeleteResponse, ListResponse } from '../../src-main/engine/appliance/protocol.js';
import { startAppliance, type TestAppliance } from './helpers/appliance.js';
import { call } from './helpers/https.js';
import { enroll, type TestMachine } from './helpers/machines.js';
import { newObject, objectPath, putObject } from './helpers/objects.js';

describe('appliance deletion requests', () => {
  let t: TestAppliance;
  let m: TestMachine;

  const onDisk = (kind: string, name: string): boolean => existsSync(join(t.dir, 'objects', m.machineId, kind, name.slice(0, 2), name));
  const listNames = async (kind: string): Promise<string[]> =>
    (await call(t, 'GET', objectPath(m.machineId, kind), { id: m.id })).json<ListResponse>().objects.map((o) => o.name);

  beforeAll(async () => {
    t = await startAppliance();
    m = await enroll(t);
  });
  afterAll(() => t.stop());

  it('DELETE answers 202 with applyAfter 14 days on; the object is hidden (404, unlisted) but kept; applied only after 14 days', async () => {
    const o = newObject(5000);
    expect((await putObject(t, m, 'data', o.bytes)).status).toBe(201);
    const path = objectPath(m.machineId, 'data', o.name);
    const del = await call(t, 'DELETE', path, { id: m.id });
    expect(del.status).toBe(202);
    expect(Date.parse(del.json<DeleteResponse>().applyAfter)).toBe(t.clock.now() + 14 * DAY_MS);

    expect((await call(t, 'GET', path, { id: m.id })).status).toBe(404);
    expect((await call(t, 'HEAD', path, { id: m.id })).status).toBe(404);
    expect(await listNames('data')).not.toContain(o.name);
    expect((await call(t, 'DELETE', path, { id: m.id })).status).toBe(404); // already requested
    expect(t.app.machines.info(m.machineId).usedBytes).toBe(0); // the quota counts visible objects

    t.clock.advance(13 * DAY_MS);
    expect((await t.app.tick()).deletionsApplied).toBe(0);
    expect(onDisk('data', o.name)).toBe(true);
    // The administrator's view still reads it.
    expect((await t.app.objects.get(m.machineId, 'data', o.name, undefined, { includePending: true })).equals(o.bytes)).toBe(true);
    expect(t.app.deletions.list().map((d) => d.name)).toContain(o.name);

    t.clock.advance(DAY_MS + HOUR_MS);
    expect((await t.app.tick()).deletionsApplied).toBe(1);
    expect(onDisk('data', o.name)).toBe(false);
    expect(t.app.objects.head(m.machineId, 'data', o.name, { includePending: true })).toBeNull();
    expect(t.app.deletions.list({ all: true }).find((d) => d.name === o.name)?.state).toBe('applied');
    expect(t.app.log.list({ machineId: m.machineId }).some((e) => e.action === 'deletion.apply' && e.detail.name === o.name)).toBe(true);
  });

  it('the administrator cancels a request: the object is visible again, and the sweeper leaves it', async () => {
    const o = newObject(3000);
    await putObject(t, m, 'index', o.bytes);
    await call(t, 'DELETE', objectPath(m.machineId, 'index', o.name), { id: m.id });
    const d = t.app.deletions.list().find((x) => x.name === o.name)!;
    expect(d.state).toBe('pending');
    expect(t.app.deletions.cancel(d.id).state).toBe('cancelled');
    const back = await call(t, 'GET', objectPath(m.machineId, 'index', o.name), { id: m.id });
    expect(back.body.equals(o.bytes)).toBe(true);
    expect(await listNames('index')).toContain(o.name);
    t.clock.advance(15 * DAY_MS);
    await t.app.tick();
    expect(onDisk('index', o.name)).toBe(true);
    expect(() => t.app.deletions.cancel(d.id)).toThrow(/pending deletion request/);
  });

  it('uploading the same object again cancels its pending deletion (200)', async () => {
    const o = newObject(4000);
    await putObject(t, m, 'snapshots', o.bytes);
    await call(t, 'DELETE', objectPath(m.machineId, 'snapshots', o.name), { id: m.id });
    expect(await listNames('snapshots')).not.toContain(o.name);
    const again = await putObject(t, m, 'snapshots', o.bytes);
    expect(again.status).toBe(200);
    expect(await listNames('snapshots')).toContain(o.name);
    expect(t.app.deletions.list({ all: true }).find((d) => d.name === o.name)).toMatchObject({ state: 'cancelled', decidedBy: 'upload' });
    t.clock.advance(15 * DAY_MS);
    await t.app.tick();
    expect((await call(t, 'GET', objectPath(m.machineId, 'snapshots', o.name), { id: m.id })).body.equals(o.bytes)).toBe(true);
  });

  it('after a deletion is applied, the same object can be stored again (201)', async () => {
    const o = newObject(2000);
    await putObject(t, m, 'keys', o.bytes);
    await call(t, 'DELETE', objectPath(m.machineId, 'keys', o.name), { id: m.id });
    t.clock.advance(14 * DAY_MS);
    await t.app.tick();
    expect(onDisk('keys', o.name)).toBe(false);
    expect((await putObject(t, m, 'keys', o.bytes)).status).toBe(201);
    expect(onDisk('keys', o.name)).toBe(true);
  });
});
