// The machine policy (issue 8): one schema, every platform's managed location laid out as the OS
// lays it out, merging over the user's settings, locks refused by the engine API with the reason,
// and the fallbacks of an invalid policy.
// Bad inputs tried: unknown field, wrong version, http:// appliance, malformed token, relative
// folder, 25:00, a window of length 0, an exclusion that does not compile, an unknown key in
// userMayChange, an unknown notification level, negative retention, a boolean as a string, invalid
// JSON, a damaged plist, a file over 1 MiB, a registry key that cannot be read, a folder that does
// not exist.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build as buildPlist, buildBinary } from 'plist';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HavreError } from '../../../src-main/engine/errors/index.js';
import {
  jsonFileSource, lastValidPolicyPath, loadPolicy, managedSources, plistFileSource, POLICY_SCHEMA, policyProblems, registrySource, type PolicySource,
} from '../../../src-main/engine/policy/index.js';
import { loadSettings, resetSettings, updateSettings } from '../../../src-main/engine/settings/index.js';

const TOKEN = 'HVT1.abcDEF123_-.xyz';
let dir: string;
let home: string;
let userHome: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'havre-policy-'));
  home = join(dir, 'havre-home');
  userHome = join(dir, 'ana');
  await mkdir(join(userHome, 'Documents'), { recursive: true });
});
afterEach(async () => {
  delete process.env.HAVRE_POLICY_ROOT;
  await rm(dir, { recursive: true, force: true });
});

async function put(path: string, content: string | Uint8Array): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
  return path;
}

const FULL = {
  version: 1,
  appliance: { url: 'https://backup.corp.example:8443', enrollToken: TOKEN },
  settings: { folders: ['~/Documents'], exclusions: ['*.iso'], continuous: true, uploadKiBps: 2048, window: null, cpuPriority: 'low' },
  userMayChange: ['exclusions'],
  lockReason: 'ask helpdesk 4242',
  targets: [{ kind: 's3', name: 'cloud', endpoint: 'https://s3.example', bucket: 'acme-backups', prefix: 'machines/{host}/' }],
  retention: { keepDaily: 30, keepMonthly: 12 },
  antivirus: { enabled: true, clamd: 'unix:/run/clamav/clamd.ctl' },
  notifications: { level: 'failures' },
  updates: { channel: 'beta', enabled: true },
  app: { allowQuit: false, startAtLogin: true },
};

describe('the schema', () => {
  it('is the file shipped for IT (native/policy/havre-policy.schema.json)', async () => {
    const shipped = JSON.parse(await readFile(new URL('../../../native/policy/havre-policy.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(shipped, 'regenerate with: npx tsx scripts/write-policy-schema.ts').toEqual(JSON.parse(JSON.stringify(POLICY_SCHEMA)));
  });

  it('accepts a policy that sets every field', () => {
    expect(policyProblems(FULL, 'f', userHome)).toEqual([]);
  });

  it.each([
    [{ ...FULL, colour: 'blue' }, '“colour” is not a policy field'],
    [{ ...FULL, version: 2 }, 'version: must be 1'],
    [{ ...FULL, appliance: { url: 'http://backup.corp.example' } }, 'appliance.url: must be an https:// address'],
    [{ ...FULL, appliance: { url: 'https://b', enrollToken: 'token' } }, 'appliance.enrollToken: is not an enrollment token'],
    [{ version: 1, settings: { folders: ['Documents'] } }, 'settings.folders.0: must be an absolute folder or start with ~/'],
    [{ version: 1, settings: { window: { days: [], start: '25:00', end: '07:00' } } }, 'settings.window.start: must be a time HH:MM'],
    [{ version: 1, settings: { window: { days: [], start: '07:00', end: '07:00' } } }, 'settings.window: start and end are the same time'],
    [{ version: 1, settings: { exclusions: ['[abc'] } }, 'settings.exclusions: “[abc” is not a valid pattern'],
    [{ version: 1, userMayChange: ['colour'] }, 'userMayChange.0: must be one of "folders"'],
    [{ version: 1, notifications: { level: 'loud' } }, 'notifications.level: must be one of "all", "failures", "none"'],
    [{ version: 1, retention: { keepDaily: -1 } }, 'retention.keepDaily: must be >= 0'],
    [{ version: 1, settings: { continuous: 'yes' } }, 'settings.continuous: must be boolean'],
    [[], 'policy: must be object'],
  ])('refuses %j, saying where and why', (doc, message) => {
    const problems = policyProblems(doc, '/etc/havre/policy.json', userHome);
    expect(problems.join('\n')).toContain(`/etc/havre/policy.json: `);
    expect(problems.join('\n')).toContain(message);
  });
});

describe('managed locations, as each OS lays them out', () => {
  it('Linux: /etc/havre/policy.json', async () => {
    await put(join(dir, 'root/etc/havre/policy.json'), JSON.stringify(FULL));
    const sources = managedSources({ platform: 'linux', env: { HAVRE_POLICY_ROOT: join(dir, 'root') } });
    expect(sources.map((s) => s.name)).toEqual([join(dir, 'root/etc/havre/policy.json')]);
    const p = await loadPolicy({ home, userHome, sources });
    expect(p.fallback).toBe('none');
    expect(p.policy.appliance?.enrollToken).toBe(TOKEN);
    expect(p.policy.notifications?.level).toBe('failures');
  });

  it('Windows: ProgramData\\Havre\\policy.json (with a BOM, as Notepad writes it) under the registry key', async () => {
    const sources = managedSources({ platform: 'win32', env: { ProgramData: 'C:\\ProgramData' }, runReg: async () => ({ stdout: '', code: 1 }) });
    expect(sources.map((s) => s.name)).toEqual(['C:\\ProgramData\\Havre\\policy.json', 'HKLM\\SOFTWARE\\Policies\\Havre']);
    const rooted = managedSources({ platform: 'win32', env: { ProgramData: 'C:\\ProgramData', HAVRE_POLICY_ROOT: join(dir, 'c') } });
    await put(rooted[0]!.name, '\uFEFF' + JSON.stringify({ version: 1, notifications: { level: 'none' } }));
    expect(await rooted[0]!.read()).toEqual({ version: 1, notifications: { level: 'none' } });
  });

  it('Windows: the registry tree as `reg query /s` prints it (DWORD booleans, numbered lists, MULTI_SZ, JSON strings, any case)', async () => {
    const text = [
      '',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Havre',
      '    Version    REG_DWORD    0x1',
      '    LockReason    REG_SZ    ask helpdesk 4242',
      '',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Havre\\Appliance',
      '    Url    REG_SZ    https://backup.corp.example:8443',
      '    EnrollToken    REG_SZ    ' + TOKEN,
      '',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Havre\\Settings',
      '    Continuous    REG_DWORD    0x0',
      '    UploadKiBps    REG_DWORD    0x800',
      '    Exclusions    REG_MULTI_SZ    *.iso\\0*.vhdx',
      '    BandwidthRules    REG_SZ    [{"days":[1,2,3,4,5],"start":"09:00","end":"18:00","uploadKiBps":512}]',
      '    Window    REG_SZ    null',
      '',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Havre\\Settings\\Folders',
      '    2    REG_SZ    D:\\Projets',
      '    1    REG_SZ    ~/Documents',
      '',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Havre\\UserMayChange',
      '    1    REG_SZ    exclusions',
      '',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Havre\\App',
      '    AllowQuit    REG_DWORD    0x0',
      '',
    ].join('\r\n');
    let asked: readonly string[] = [];
    const doc = await registrySource(undefined, async (args) => { asked = args; return { stdout: text, code: 0 }; }).read();
    expect(asked).toEqual(['query', 'HKLM\\SOFTWARE\\Policies\\Havre', '/s', '/reg:64']);
    expect(doc).toEqual({
      version: 1, lockReason: 'ask helpdesk 4242',
      appliance: { url: 'https://backup.corp.example:8443', enrollToken: TOKEN },
      settings: { continuous: false, uploadKiBps: 2048, exclusions: ['*.iso', '*.vhdx'], window: null, folders: ['~/Documents', 'D:\\Projets'],
        bandwidthRules: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', uploadKiBps: 512 }] },
      userMayChange: ['exclusions'],
      app: { allowQuit: false },
    });
    expect(policyProblems(doc, 'registry', userHome)).toEqual([]);
  });

  it('Windows: a missing key is no policy; a key that cannot be read is reported', async () => {
    expect(await registrySource(undefined, async () => ({ stdout: '', code: 1 })).read()).toBeUndefined();
    await expect(registrySource(undefined, async () => ({ stdout: '', code: 5 })).read()).rejects.toMatchObject({ code: 'POLICY_UNREADABLE' });
  });

  it('macOS: a configuration profile (binary managed preferences, user over device) over the file IT drops', async () => {
    const root = join(dir, 'mac');
    const sources = managedSources({ platform: 'darwin', env: { HAVRE_POLICY_ROOT: root }, user: 'ana' });
    expect(sources.map((s) => s.name.slice(root.length))).toEqual([
      '/Library/Application Support/Havre/policy.json', '/Library/Managed Preferences/fr.havre.client.plist', '/Library/Managed Preferences/ana/fr.havre.client.plist']);
    await put(sources[0]!.name, JSON.stringify({ version: 1, appliance: { url: 'https://old.corp.example' }, notifications: { level: 'all' }, settings: { continuous: true } }));
    // MCX writes binary plists, with the profile's Payload* keys beside the settings.
    await put(sources[1]!.name, buildBinary({ version: 1, PayloadUUID: 'A1B2', appliance: { url: 'https://backup.corp.example', enrollToken: TOKEN }, settings: { folders: ['~/Documents'] } }));
    await put(sources[2]!.name, buildPlist({ version: 1, notifications: { level: 'none' } }));
    const p = await loadPolicy({ home, userHome, sources });
    expect(p.problems).toEqual([]);
    expect(p.policy).toEqual({ version: 1, appliance: { url: 'https://backup.corp.example', enrollToken: TOKEN }, notifications: { level: 'none' },
      settings: { continuous: true, folders: ['~/Documents'] } });
    expect(p.sources).toHaveLength(3);
  });

  it('a damaged plist, invalid JSON and a file over 1 MiB are unreadable, with the reason', async () => {
    const bad = await put(join(dir, 'bad.plist'), 'bplist00garbage');
    await expect(plistFileSource(bad).read()).rejects.toMatchObject({ code: 'POLICY_UNREADABLE' });
    const json = await put(join(dir, 'bad.json'), '{"version": 1,');
    await expect(jsonFileSource(json).read()).rejects.toThrow(/not valid JSON/);
    const big = await put(join(dir, 'big.json'), JSON.stringify({ version: 1, lockReason: 'x'.repeat(1024 * 1024) }));
    await expect(jsonFileSource(big).read()).rejects.toThrow(/larger than 1 MiB/);
  });
});

describe('an invalid policy: the last valid one, or the defaults, and the problem reported', () => {
  const file = (): string => join(dir, 'etc-policy.json');
  const sources = (): PolicySource[] => [jsonFileSource(file())];

  it('with no valid policy before: the defaults, and the problem says so', async () => {
    await put(file(), '{ not json');
    const p = await loadPolicy({ home, userHome, sources: sources() });
    expect(p.fallback).toBe('defaults');
    expect(p.policy).toEqual({ version: 1 });
    expect(p.problems[0]!.code).toBe('POLICY_FALLBACK');
    expect(p.problems[0]!.message).toContain('not valid JSON');
    expect(p.problems[0]!.message).toContain('the defaults');
    expect(p.problems[0]!.messageFr).toContain('Rien n’a été modifié ni perdu');
  });

  it('after a valid one: the last valid policy stands (without the enrollment token), the settings stay locked', async () => {
    await put(file(), JSON.stringify(FULL));
    expect((await loadPolicy({ home, userHome, sources: sources() })).fallback).toBe('none');
    expect(await readFile(lastValidPolicyPath(home), 'utf8')).not.toContain(TOKEN);
    await put(file(), JSON.stringify({ ...FULL, settings: { uploadKiBps: 'fast' } }));
    const p = await loadPolicy({ home, userHome, sources: sources() });
    expect(p.fallback).toBe('last-valid');
    expect(p.problems[0]!.message).toContain('settings.uploadKiBps: must be integer');
    expect(p.problems[0]!.message).toContain('the last valid policy');
    expect(p.policy.settings?.uploadKiBps).toBe(2048);
    expect(p.policy.appliance).toEqual({ url: FULL.appliance.url });
  });

  it('a folder the policy protects that does not exist is kept, and reported', async () => {
    await put(file(), JSON.stringify({ version: 1, settings: { folders: ['~/Documents', '~/Projets'] } }));
    const p = await loadPolicy({ home, userHome, sources: sources() });
    expect(p.fallback).toBe('none');
    expect(p.problems.map((x) => x.code)).toEqual(['POLICY_FOLDER_MISSING']);
    expect(p.problems[0]!.message).toContain(join(userHome, 'Projets'));
  });
});

describe('settings under the policy (engine API)', () => {
  beforeEach(async () => {
    process.env.HAVRE_POLICY_ROOT = join(dir, 'root');
  });
  const policy = (doc: unknown): Promise<string> => put(join(dir, 'root/etc/havre/policy.json'), JSON.stringify(doc));

  it('no policy: nothing locked', async () => {
    expect((await loadSettings(home, userHome)).locked).toEqual({});
  });

  it('IT fixes over the user, suggests under the user; locked settings carry the reason', async () => {
    await updateSettings(home, { uploadKiBps: 100, exclusions: ['*.mp4'], scanIntervalMinutes: 30 }, userHome);
    await policy({ version: 1, settings: { uploadKiBps: 2048, exclusions: ['*.iso'], folders: ['~/Documents'] }, userMayChange: ['exclusions'], lockReason: 'ask helpdesk 4242' });
    const view = await loadSettings(home, userHome);
    expect(view.values.uploadKiBps).toBe(2048);
    expect(view.values.exclusions).toEqual(['*.mp4']);
    expect(view.values.folders).toEqual([join(userHome, 'Documents')]);
    expect(view.values.scanIntervalMinutes).toBe(30);
    expect(Object.keys(view.locked).sort()).toEqual(['folders', 'uploadKiBps']);
    expect(view.locked.uploadKiBps).toEqual({ code: 'POLICY_LOCK', message: 'set by IT: ask helpdesk 4242', messageFr: 'fixé par le service informatique : ask helpdesk 4242' });
  });

  it('a locked setting is refused from the engine API, saying why, and nothing is written', async () => {
    const policyFile = await policy({ version: 1, settings: { continuous: true } });
    const err = await updateSettings(home, { continuous: false, scanIntervalMinutes: 30 }, userHome).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HavreError);
    expect((err as HavreError).code).toBe('SETTING_LOCKED');
    expect((err as HavreError).message).toContain('“continuous”');
    expect((err as HavreError).message).toContain(policyFile);
    await expect(resetSettings(home, ['continuous'], userHome)).rejects.toMatchObject({ code: 'SETTING_LOCKED' });
    expect((await loadSettings(home, userHome)).values.scanIntervalMinutes).toBe(60);
    // A setting the policy leaves alone is still the user's.
    expect((await updateSettings(home, { scanIntervalMinutes: 30 }, userHome)).values.scanIntervalMinutes).toBe(30);
  });

  it('the user’s own value under a lock is kept, and comes back when IT lifts the lock', async () => {
    await updateSettings(home, { pauseOnMetered: false }, userHome);
    await policy({ version: 1, settings: { pauseOnMetered: true } });
    expect((await loadSettings(home, userHome)).values.pauseOnMetered).toBe(true);
    await policy({ version: 1 });
    expect((await loadSettings(home, userHome)).values.pauseOnMetered).toBe(false);
  });
});
