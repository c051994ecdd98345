import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { linuxPower } from '../../../src-main/engine/protection/index.js';

/** A /sys/class/power_supply laid out as Linux lays it out. */
function sysfs(supplies: Record<string, Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'havre-power-'));
  for (const [name, files] of Object.entries(supplies)) {
    mkdirSync(join(dir, name));
    for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, name, f), `${v}\n`);
  }
  dirs.push(dir);
  return dir;
}
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('battery, as Linux reports it', () => {
  it('a laptop on its battery, at 42 %', async () => {
    const d = sysfs({ AC: { type: 'Mains', online: '0' }, BAT0: { type: 'Battery', capacity: '42', status: 'Discharging' } });
    expect(await linuxPower(d)).toEqual({ onBattery: true, batteryPercent: 42 });
  });

  it('plugged in, two batteries averaged; a mouse battery (scope Device) ignored', async () => {
    const d = sysfs({ ADP1: { type: 'Mains', online: '1' }, BAT0: { type: 'Battery', capacity: '30', status: 'Charging' },
      BAT1: { type: 'Battery', capacity: '50', status: 'Charging' }, hidpp_battery_0: { type: 'Battery', scope: 'Device', capacity: '5', status: 'Discharging' } });
    expect(await linuxPower(d)).toEqual({ onBattery: false, batteryPercent: 40 });
  });

  it('a desktop (no battery) and a machine that says nothing', async () => {
    expect(await linuxPower(sysfs({ AC: { type: 'Mains', online: '1' } }))).toEqual({ onBattery: false, batteryPercent: null });
    expect(await linuxPower(join(tmpdir(), 'no-such-power-supply-dir'))).toEqual({ onBattery: null, batteryPercent: null });
  });
});
