// `havre settings` and `havre policy` under a machine policy laid out as on Linux
// (/etc/havre/policy.json, under HAVRE_POLICY_ROOT). Bad inputs tried: changing and resetting a
// locked setting, an invalid policy file given to `policy check`, a policy that stops being valid,
// a file that does not exist.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHavre } from '../../helpers/cli.js';

type ErrorDoc = { error: { code: string; message: string; messageFr: string } };
const TOKEN = 'HVT1.secretpart_123.abc';

describe('havre settings and havre policy under a machine policy', () => {
  let dir: string;
  let env: Record<string, string>;
  let policyFile: string;
  const writePolicy = (doc: unknown): void => writeFileSync(policyFile, typeof doc === 'string' ? doc : JSON.stringify(doc));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'havre-cli-policy-'));
    mkdirSync(join(dir, 'root/etc/havre'), { recursive: true });
    mkdirSync(join(dir, 'ana/Documents'), { recursive: true });
    policyFile = join(dir, 'root/etc/havre/policy.json');
    env = { HAVRE_HOME: join(dir, 'home'), HAVRE_POLICY_ROOT: join(dir, 'root'), HOME: join(dir, 'ana') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to change or reset a locked setting, saying why, in English and French', async () => {
    writePolicy({ version: 1, appliance: { url: 'https://backup.corp.example', enrollToken: TOKEN }, settings: { continuous: true, uploadKiBps: 512 }, lockReason: 'helpdesk 4242' });
    const set = await runHavre(['settings', 'set', 'continuous', 'false', '--json'], env);
    expect(set.code).toBe(1);
    const e = set.json<ErrorDoc>().error;
    expect(e.code).toBe('SETTING_LOCKED');
    expect(e.message).toContain('“continuous” is fixed by your organisation’s policy (set by IT: helpdesk 4242)');
    expect(e.messageFr).toContain('fixé par la politique de votre organisation');
    const reset = await runHavre(['settings', 'reset', 'uploadKiBps'], env);
    expect(reset.code).toBe(1);
    expect(reset.stderr).toContain('helpdesk 4242');
    const show = await runHavre(['settings'], env);
    expect(show.stdout).toMatch(/uploadKiBps\s+512 {2}\(locked: set by IT: helpdesk 4242\)/);
    expect((await runHavre(['settings', 'set', 'scanIntervalMinutes', '30'], env)).code).toBe(0);
  });

  it('havre policy shows where the policy comes from, never the token', async () => {
    const r = await runHavre(['policy', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json<{ sources: string[]; policy: { appliance: { enrollToken: string } }; fallback: string }>();
    expect(doc.sources).toEqual([policyFile]);
    expect(doc.policy.appliance.enrollToken).toBe('(set)');
    expect(r.stdout + r.stderr).not.toContain('secretpart');
  });

  it('an invalid policy: the last valid one applies, and every command says so', async () => {
    writePolicy('{"version": 1, "settings": {"continuous": "always"}}');
    const r = await runHavre(['policy'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('settings.continuous: must be boolean');
    expect(r.stdout).toContain('the last valid policy');
    const s = await runHavre(['settings'], env);
    expect(s.code).toBe(0);
    expect(s.stderr).toContain('settings.continuous: must be boolean');
    expect(s.stdout).toMatch(/continuous\s+true {2}\(locked/);
  });

  it('havre policy check: every problem of a file before IT deploys it', async () => {
    const bad = join(dir, 'draft.json');
    writeFileSync(bad, JSON.stringify({ version: 1, appliance: { url: 'http://backup' }, settings: { folders: ['Documents'] }, extra: true }));
    const r = await runHavre(['policy', 'check', bad, '--json'], env);
    expect(r.code).toBe(1);
    const doc = r.json<{ valid: boolean; problems: string[] }>();
    expect(doc.valid).toBe(false);
    expect(doc.problems.join('\n')).toContain('“extra” is not a policy field');
    expect(doc.problems.join('\n')).toContain('appliance.url: must be an https:// address');
    expect(doc.problems.join('\n')).toContain('settings.folders.0: must be an absolute folder or start with ~/');
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ version: 1, settings: { folders: ['~/Documents'] } }));
    expect((await runHavre(['policy', 'check', good], env)).code).toBe(0);
    const none = await runHavre(['policy', 'check', join(dir, 'nope.json')], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('does not exist');
  });
});
