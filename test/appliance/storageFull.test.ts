// A full disk (PROTOCOL.md §2 STORAGE_FULL): the object folder is a 2 MiB tmpfs, so the write
// really fails with ENOSPC. The upload is refused with 507, nothing half-written stays or shows,
// an alert is raised, and uploads work again once there is room.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../appliance/clock.js';
import type { ListResponse } from '../../src-main/engine/appliance/protocol.js';
import { newDataDir, startAppliance, type TestAppliance } from './helpers/appliance.js';
import { call } from './helpers/https.js';
import { enroll, type TestMachine } from './helpers/machines.js';
import { newObject, objectPath, putObject } from './helpers/objects.js';

describe('appliance with a full disk', () => {
  let t: TestAppliance | undefined;
  let m: TestMachine;
  let root: string;
  let mountPoint = '';
  let skipReason = '';

  beforeAll(async () => {
    const dir = await newDataDir();
    root = join(dir, '..');
    const clock = new ManualClock();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', join(dir, 'objects')], { stdio: 'pipe' });
      mountPoint = join(dir, 'objects');
    } catch (e) {
      skipReason = `cannot mount a 2 MiB tmpfs here (needs root): ${(e as Error).message.split('\n')[0]}`;
      return;
    }
    t = await startAppliance({ dir, clock });
    m = await enroll(t);
  });

  afterAll(async () => {
    await t?.stop({ keepDir: true });
    if (mountPoint) execFileSync('umount', [mountPoint]);
    rmSync(root, { recursive: true, force: true });
  });

  it('answers 507 STORAGE_FULL, keeps nothing half-written, raises an alert, and recovers when there is room', async (ctx) => {
    if (!t) {
      console.warn(`skipped: ${skipReason}`);
      ctx.skip();
      return;
    }
    const fits = newObject(1536 * 1024);
    expect((await putObject(t, m, 'data', fits.bytes)).status).toBe(201);

    const tooMuch = newObject(1536 * 1024);
    const r = await putObject(t, m, 'data', tooMuch.bytes);
    expect(r.status).toBe(507);
    expect(r.code).toBe('STORAGE_FULL');
    expect(readdirSync(join(t.dir, 'objects', '.tmp'))).toEqual([]);
    expect(existsSync(join(t.dir, 'objects', m.machineId, 'data', tooMuch.name.slice(0, 2), tooMuch.name))).toBe(false);
    expect((await call(t, 'HEAD', objectPath(m.machineId, 'data', tooMuch.name), { id: m.id })).status).toBe(404);
    const names = (await call(t, 'GET', objectPath(m.machineId, 'data'), { id: m.id })).json<ListResponse>().objects.map((o) => o.name);
    expect(names).toEqual([fits.name]);
    expect(t.app.alerts.list().filter((a) => a.type === 'STORAGE_FULL' && a.open)).toHaveLength(1);
    // Again: still one open alert.
    expect((await putObject(t, m, 'data', newObject(1536 * 1024).bytes)).status).toBe(507);
    expect(t.app.alerts.list().filter((a) => a.type === 'STORAGE_FULL' && a.open)).toHaveLength(1);

    // What was stored before is intact; a smaller object fits, and closes the alert.
    expect((await call(t, 'GET', objectPath(m.machineId, 'data', fits.name), { id: m.id })).body.equals(fits.bytes)).toBe(true);
    expect((await putObject(t, m, 'index', newObject(100 * 1024).bytes)).status).toBe(201);
    expect(t.app.alerts.list({ all: true }).find((a) => a.type === 'STORAGE_FULL')?.open).toBe(false);
  });
});
