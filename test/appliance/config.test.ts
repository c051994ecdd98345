// appliance.json is parsed strictly: a typo or a bad value is an error naming the member, never a
// setting silently ignored.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, newConfig, parseConfig, type ApplianceConfig } from '../../appliance/config/config.js';
import { isApplianceError } from '../../appliance/errors/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function reason(v: unknown): string {
  try {
    parseConfig(v);
  } catch (e) {
    return (e as { reason: string }).reason;
  }
  return 'accepted';
}

describe('appliance configuration', () => {
  const base: ApplianceConfig = newConfig({ names: ['backup.example.lan', '192.168.1.20'] });

  it('has the documented defaults', () => {
    expect(base).toMatchObject({ version: 1, listen: { host: '0.0.0.0', port: 8443 }, names: ['backup.example.lan', '192.168.1.20'], maxObjectBytes: 64 * 1024 * 1024, defaultQuotaBytes: null, defaultMaxSilenceHours: 72, tokenTtlHours: 24 });
    expect(base.applianceId).toMatch(/^[0-9a-f]{32}$/);
    expect(newConfig().names.slice(0, 2)).toEqual(['localhost', '127.0.0.1']);
    expect(parseConfig(JSON.parse(JSON.stringify({ ...base, alerts: { webhook: { url: 'https://hooks.example/x' }, smtp: { host: 'mail.example', port: 587, from: 'Havre <havre@example.test>', to: ['it@example.test'], user: 'havre', passwordEnv: 'SMTP_PASSWORD' } } })))).toBeTruthy();
  });

  it('names the member at fault', () => {
    expect(reason({ ...base, listne: {} })).toBe('config.listne is not expected');
    expect(reason({ ...base, listen: { host: '0.0.0.0', port: 70000 } })).toBe('config.listen.port must be a whole number from 0 to 65535');
    expect(reason({ ...base, names: ['ok.example', 'not a name'] })).toBe('config.names[1] is not valid');
    expect(reason({ ...base, version: 2 })).toMatch(/config.version 2 is not supported/);
    expect(reason({ ...base, defaultQuotaBytes: -1 })).toMatch(/config.defaultQuotaBytes/);
    expect(reason({ ...base, alerts: { webhook: { url: 'ftp://x' } } })).toBe('alerts.webhook.url must be an http or https URL');
    expect(reason({ ...base, alerts: { smtp: { host: 'm', port: 25, from: 'a@b', to: [] } } })).toBe('alerts.smtp.to must be a list of e-mail addresses');
    expect(reason({ ...base, alerts: { smtp: { host: 'm', port: 25, from: 'a@b', to: ['x@y'], password: 'hunter2' } } })).toBe('alerts.smtp.password is not expected');
  });

  it('loading a broken file says which file and why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'havre-appliance-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'appliance.json'), JSON.stringify({ ...base, tokenTtlHours: 0 }));
    const e = await loadConfig(dir).catch((x: unknown) => x);
    expect(isApplianceError(e, 'CONFIG_INVALID')).toBe(true);
    expect((e as Error).message).toBe(`The appliance configuration ${join(dir, 'appliance.json')} is invalid: config.tokenTtlHours must be a number above 0 and at most 8784.`);
    writeFileSync(join(dir, 'appliance.json'), '{ nope');
    expect(((await loadConfig(dir).catch((x: unknown) => x)) as Error).message).toMatch(/is invalid: not JSON/);
    const missing = await loadConfig(join(dir, 'nothing')).catch((x: unknown) => x);
    expect(isApplianceError(missing, 'NOT_INITIALISED')).toBe(true);
  });
});
