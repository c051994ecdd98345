import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings, resetSettings, settingsPath, updateSettings } from '../../../src-main/engine/settings/index.js';

const homes: string[] = [];
const home = (): string => {
  const h = mkdtempSync(join(tmpdir(), 'havre-settings-'));
  homes.push(h);
  return h;
};
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

describe('settings.json', () => {
  it('holds only what the user changed; the rest follows the defaults', async () => {
    const h = home();
    const v = await updateSettings(h, { continuous: false, exclusions: ['*.iso'] }, '/home/nobody');
    expect(v.values).toMatchObject({ continuous: false, exclusions: ['*.iso'], defaultExclusions: true, scanIntervalMinutes: 60 });
    expect(JSON.parse(readFileSync(settingsPath(h), 'utf8'))).toEqual({ version: 1, settings: { continuous: false, exclusions: ['*.iso'] } });
    const r = await resetSettings(h, ['continuous'], '/home/nobody');
    expect(r.values.continuous).toBe(true);
    expect(JSON.parse(readFileSync(settingsPath(h), 'utf8')).settings).toEqual({ exclusions: ['*.iso'] });
  });

  it('refuses bad values with the field named, and changes nothing', async () => {
    const h = home();
    await updateSettings(h, { continuous: false }, '/home/nobody');
    const before = readFileSync(settingsPath(h), 'utf8');
    await expect(updateSettings(h, { scanIntervalMinutes: 0 })).rejects.toMatchObject({ code: 'SETTINGS_INVALID', message: expect.stringMatching(/scanIntervalMinutes/) });
    await expect(updateSettings(h, { exclusions: ['[oops'] })).rejects.toMatchObject({ code: 'SETTINGS_INVALID', message: expect.stringMatching(/\[oops/) });
    await expect(updateSettings(h, { window: { days: [], start: '10:00', end: '10:00' } })).rejects.toMatchObject({ code: 'SETTINGS_INVALID' });
    await expect(updateSettings(h, { folders: ['relative/path'] })).rejects.toMatchObject({ code: 'SETTINGS_INVALID' });
    await expect(updateSettings(h, { nope: 1 } as never)).rejects.toMatchObject({ code: 'SETTINGS_INVALID', message: expect.stringMatching(/nope: not a setting/) });
    expect(readFileSync(settingsPath(h), 'utf8')).toBe(before);
  });

  it('a damaged file says where it is and how to get out, in both languages', async () => {
    const h = home();
    writeFileSync(settingsPath(h), '{ "version": 1, "settings": { "continuous": ');
    const e = await loadSettings(h).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'SETTINGS_INVALID' });
    expect((e as Error).message).toContain(settingsPath(h));
    expect((e as { userMessage(l: string): string }).userMessage('fr')).toMatch(/Réglages invalides/);
    writeFileSync(settingsPath(h), JSON.stringify({ version: 1, settings: { cpuPriority: 'turbo' } }));
    await expect(loadSettings(h)).rejects.toMatchObject({ code: 'SETTINGS_INVALID', message: expect.stringMatching(/cpuPriority/) });
  });
});
