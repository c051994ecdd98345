// The installer steps that can be checked without the Windows and Apple toolchains: the WiX policy
// step (text, XML, and the registry values it writes read back by the policy reader), the PKG
// postinstall run against a volume laid out as macOS does, the deb scripts, the service units and
// login items, electron-builder.yml against electron-builder's own schema, and `npm run dist`
// stopping with a clear message where a toolchain is missing.
// Bad inputs tried: a WiX project of another shape, running the hook twice, a dropped policy that
// is not JSON, no dropped policy, a missing Electron binary, fpm, AppImage tools, Wine, WiX, NSIS, macOS.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { load } from 'js-yaml';
import { parse as parsePlist } from 'plist';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonFileSource, plistFileSource, policyProblems, registrySource } from '../../../src-main/engine/policy/index.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const hookModule = (await import(join(ROOT, 'native/windows/msiProjectCreated.mjs'))) as { addPolicySteps(wxs: string, part?: string): string; default(f: string): Promise<void> };
const { addPolicySteps } = hookModule;
const tmp = mkdtempSync(join(tmpdir(), 'havre-installers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const wellFormed = (xml: string): boolean => {
  let ok = true;
  new DOMParser({ onError: () => { ok = false; } }).parseFromString(xml, 'text/xml');
  return ok;
};

describe('MSI: the machine policy step in the WiX project', () => {
  const template = readFileSync(join(ROOT, 'node_modules/app-builder-lib/templates/msi/template.xml'), 'utf8');
  const part = readFileSync(join(ROOT, 'native/windows/havre-msi-policy.wxs.part'), 'utf8');

  it('adds the properties, the components and their references to electron-builder’s project, once', () => {
    const out = addPolicySteps(template);
    expect(out).toContain('<Property Id="APPLIANCE_URL" Secure="yes"/>');
    expect(out).toContain('<Property Id="ENROLL_TOKEN" Secure="yes" Hidden="yes"/>');
    const feature = out.slice(out.indexOf('<Feature Id="ProductFeature"'), out.indexOf('</Feature>'));
    for (const id of ['HavrePolicyAppliance', 'HavrePolicyToken', 'HavrePolicyFile', 'HavreLoginItem']) {
      expect(feature).toContain(`<ComponentRef Id="${id}"/>`);
      expect(out).toContain(`<Component Id="${id}"`);
    }
    expect(out.indexOf('HavrePolicyAppliance" Directory')).toBeLessThan(out.indexOf('</Product>'));
    expect(addPolicySteps(out)).toBe(out);
  });

  it('refuses a project of another shape, saying what to update', () => {
    expect(() => addPolicySteps('<Wix><Fragment/></Wix>')).toThrow(/ProductFeature.*msiProjectCreated\.mjs/);
  });

  it('the step is well-formed XML, and the hook rewrites the project file in place', async () => {
    expect(wellFormed(`<Product xmlns="http://wixtoolset.org/schemas/v4/wxs">${part}</Product>`)).toBe(true);
    const file = join(tmp, 'project.wxs');
    writeFileSync(file, '<?xml version="1.0"?><Wix xmlns="http://wixtoolset.org/schemas/v4/wxs"><Product><Feature Id="ProductFeature" Absent="disallow"><ComponentGroupRef Id="ProductComponents"/></Feature></Product></Wix>');
    await hookModule.default(file);
    const written = readFileSync(file, 'utf8');
    expect(wellFormed(written)).toBe(true);
    expect(written).toContain('<ComponentRef Id="HavrePolicyToken"/>');
  });

  it('msiexec APPLIANCE_URL=… ENROLL_TOKEN=…: the registry values it writes are a valid policy for the app', async () => {
    const props: Record<string, string> = { APPLIANCE_URL: 'https://backup.corp.example:8443', ENROLL_TOKEN: 'HVT1.abc_DEF-123.xyz' };
    const values = [...part.matchAll(/<RegistryValue Root="HKLM" Key="(SOFTWARE\\Policies\\Havre[^"]*)" Name="([^"]+)" Type="(\w+)" Value="([^"]*)"/g)];
    expect(values.length).toBe(3);
    const byKey = new Map<string, string[]>();
    for (const [, key, name, type, value] of values) {
      const data = value!.replace(/\[(\w+)\]/g, (_m, p: string) => props[p] ?? '');
      const line = `    ${name}    ${type === 'integer' ? 'REG_DWORD' : 'REG_SZ'}    ${type === 'integer' ? `0x${Number(data).toString(16)}` : data}`;
      byKey.set(key!, [...(byKey.get(key!) ?? []), line]);
    }
    const text = ['', ...[...byKey].flatMap(([key, lines]) => [`HKEY_LOCAL_MACHINE\\${key}`, ...lines, ''])].join('\r\n');
    const doc = await registrySource(undefined, async () => ({ stdout: text, code: 0 })).read();
    expect(doc).toEqual({ version: 1, appliance: { url: props.APPLIANCE_URL, enrollToken: props.ENROLL_TOKEN } });
    expect(policyProblems(doc, 'msi')).toEqual([]);
  });
});

describe('Group Policy: the ADMX template', () => {
  const admx = readFileSync(join(ROOT, 'native/windows/admx/Havre.admx'), 'utf8');
  const SAMPLES: Record<string, string[]> = {
    ApplianceUrl: ['https://backup.corp.example:8443'], EnrollToken: ['HVT1.abc_DEF.xyz'], LockReasonText: ['IT helpdesk 4242'],
    FoldersList: ['~/Documents', 'D:\\Projets'], ExclusionsList: ['*.iso'], UserMayChangeList: ['exclusions'],
  };

  it('is well-formed, and every string and presentation it names exists in English and French', () => {
    expect(wellFormed(admx)).toBe(true);
    for (const lang of ['en-US', 'fr-FR']) {
      const adml = readFileSync(join(ROOT, `native/windows/admx/${lang}/Havre.adml`), 'utf8');
      expect(wellFormed(adml)).toBe(true);
      for (const [, id] of admx.matchAll(/\$\(string\.(\w+)\)/g)) expect(adml, `${lang}: string ${id}`).toContain(`<string id="${id}">`);
      for (const [, id] of admx.matchAll(/\$\(presentation\.(\w+)\)/g)) expect(adml, `${lang}: presentation ${id}`).toContain(`<presentation id="${id}">`);
    }
  });

  it('every policy enabled writes registry values the app reads as a valid policy', async () => {
    const doc = new DOMParser().parseFromString(admx, 'text/xml');
    const values = new Map<string, string[]>();
    const put = (key: string, name: string, type: string, data: string): void => {
      values.set(key, [...(values.get(key) ?? []), `    ${name}    ${type}    ${data}`]);
    };
    const decimal = (n: string): string => `0x${Number(n).toString(16)}`;
    const policies = Array.from(doc.getElementsByTagName('policy'));
    expect(policies.length).toBeGreaterThan(8);
    for (const p of policies) {
      const key = p.getAttribute('key')!;
      const valueName = p.getAttribute('valueName');
      if (valueName) put(key, valueName, 'REG_DWORD', decimal(p.getElementsByTagName('enabledValue')[0]!.getElementsByTagName('decimal')[0]!.getAttribute('value')!));
      for (const el of Array.from(p.getElementsByTagName('elements')[0]?.childNodes ?? []) as unknown as Element[]) {
        if (el.nodeType !== 1) continue;
        const id = el.getAttribute('id')!;
        const k = el.getAttribute('key') ?? key;
        if (el.tagName === 'text') put(k, el.getAttribute('valueName')!, 'REG_SZ', SAMPLES[id]![0]!);
        else if (el.tagName === 'decimal') put(k, el.getAttribute('valueName')!, 'REG_DWORD', decimal('2048'));
        else if (el.tagName === 'enum') put(k, el.getAttribute('valueName')!, 'REG_SZ', el.getElementsByTagName('string')[0]!.textContent!);
        else if (el.tagName === 'list') {
          expect(el.getAttribute('valuePrefix'), `${id}: numbered values`).toBe('');
          SAMPLES[id]!.forEach((v, i) => put(k, String(i + 1), 'REG_SZ', v));
        } else throw new Error(`element ${el.tagName} not handled by this test`);
      }
      for (const item of Array.from(p.getElementsByTagName('enabledList')[0]?.getElementsByTagName('item') ?? [])) {
        put(item.getAttribute('key')!, item.getAttribute('valueName')!, 'REG_DWORD', decimal(item.getElementsByTagName('decimal')[0]!.getAttribute('value')!));
      }
    }
    const text = ['', ...[...values].flatMap(([k, lines]) => [`HKEY_LOCAL_MACHINE\\${k}`, ...new Set(lines), ''])].join('\r\n');
    const policy = await registrySource(undefined, async () => ({ stdout: text, code: 0 })).read();
    expect(policyProblems(policy, 'admx')).toEqual([]);
    expect(policy).toMatchObject({ version: 1, appliance: { url: 'https://backup.corp.example:8443' }, settings: { folders: ['~/Documents', 'D:\\Projets'], continuous: true, uploadKiBps: 2048 },
      userMayChange: ['exclusions'], updates: { enabled: true, channel: 'stable' }, app: { allowQuit: true }, antivirus: { enabled: true }, notifications: { level: 'all' } });
  });
});

describe('PKG: postinstall on a volume laid out as macOS does', () => {
  const script = join(ROOT, 'native/macos/pkg-scripts/postinstall');
  const run = (pkgDir: string, volume: string) => spawnSync('bash', [script, join(pkgDir, 'Havre.pkg'), '/Applications', volume], { encoding: 'utf8' });
  const volume = (name: string): string => {
    const v = join(tmp, name);
    mkdirSync(join(v, 'Applications/Havre.app/Contents/Resources/native'), { recursive: true });
    writeFileSync(join(v, 'Applications/Havre.app/Contents/Resources/native/fr.havre.client.plist'), readFileSync(join(ROOT, 'native/macos/fr.havre.client.plist')));
    return v;
  };

  it('installs the policy IT dropped beside the .pkg, and the login agent for every user', () => {
    const v = volume('vol-ok');
    const share = join(tmp, 'share-ok');
    mkdirSync(share);
    writeFileSync(join(share, 'havre-policy.json'), JSON.stringify({ version: 1, appliance: { url: 'https://b.corp.example' } }));
    const r = run(share, v);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const installed = join(v, 'Library/Application Support/Havre/policy.json');
    expect(JSON.parse(readFileSync(installed, 'utf8'))).toEqual({ version: 1, appliance: { url: 'https://b.corp.example' } });
    expect(statSync(installed).mode & 0o777).toBe(0o644);
    expect(existsSync(join(v, 'Library/LaunchAgents/fr.havre.client.plist'))).toBe(true);
  });

  it('a dropped file that is not JSON is reported and left out; the install still succeeds; a policy already there stays', () => {
    const v = volume('vol-bad');
    mkdirSync(join(v, 'Library/Application Support/Havre'), { recursive: true });
    writeFileSync(join(v, 'Library/Application Support/Havre/policy.json'), '{"version":1}');
    const share = join(tmp, 'share-bad');
    mkdirSync(share);
    writeFileSync(join(share, 'havre-policy.json'), '{ "version": 1,');
    const r = run(share, v);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('is not valid JSON; it was not installed');
    expect(readFileSync(join(v, 'Library/Application Support/Havre/policy.json'), 'utf8')).toBe('{"version":1}');
    const none = run(join(tmp, 'no-share'), v);
    expect(none.stdout).toContain('keeping the policy already at');
  });

  it('the login agent and the example configuration profile are what the app reads', async () => {
    const agent = parsePlist(readFileSync(join(ROOT, 'native/macos/fr.havre.client.plist'), 'utf8')) as Record<string, unknown>;
    expect(agent).toMatchObject({ Label: 'fr.havre.client', RunAtLoad: true, ProgramArguments: ['/Applications/Havre.app/Contents/MacOS/Havre', '--hidden'] });
    const payload = await plistFileSource(join(ROOT, 'native/macos/havre.mobileconfig')).read();
    expect(policyProblems(payload, 'havre.mobileconfig')).toEqual([]);
    expect(payload).toMatchObject({ version: 1, app: { allowQuit: false } });
    expect(policyProblems(await jsonFileSource(join(ROOT, 'native/policy/policy.example.json')).read(), 'example')).toEqual([]);
  });
});

describe('Linux: deb scripts, service unit, login item', () => {
  it('the deb scripts are electron-builder’s templates plus Havre’s steps, valid shell once filled', () => {
    for (const name of ['after-install.sh', 'after-remove.sh']) {
      const filled = readFileSync(join(ROOT, 'native/linux', name), 'utf8').replace(/\$\{executable\}/g, 'havre-desktop').replace(/\$\{sanitizedProductName\}/g, 'Havre');
      expect(filled).not.toMatch(/\$\{[a-zA-Z]+\}/);
      const f = join(tmp, name);
      writeFileSync(f, filled);
      expect(spawnSync('bash', ['-n', f]).status).toBe(0);
    }
    expect(readFileSync(join(ROOT, 'native/linux/after-install.sh'), 'utf8')).toContain('update-alternatives --install');
  });

  it('the systemd unit passes systemd-analyze verify; the autostart entry starts the app hidden', () => {
    const dir = join(tmp, 'units');
    mkdirSync(dir);
    writeFileSync(join(dir, 'havre-daemon.service'), readFileSync(join(ROOT, 'native/linux/havre-daemon.service')));
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'havre-daemon.service')], { encoding: 'utf8' });
    if (r.error) throw new Error('systemd-analyze is needed (Debian: systemd)');
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(ROOT, 'native/linux/havre-autostart.desktop'), 'utf8')).toContain('Exec=/opt/Havre/havre-desktop --hidden');
  });
});

describe('electron-builder.yml', () => {
  const config = load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, Record<string, unknown>>;

  it('passes electron-builder’s own schema', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as { validateConfiguration(c: unknown, l: unknown): Promise<void> };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...structuredClone(config), msi: { perMachin: true } }, new DebugLogger(false))).rejects.toThrow(/configuration\.msi/);
  });

  it('names files that exist: the WiX hook, the PKG scripts, the deb scripts, the resources', () => {
    expect(existsSync(join(ROOT, String(config.msiProjectCreated)))).toBe(true);
    const scripts = join(ROOT, String(config.directories!.buildResources), String(config.pkg!.scripts));
    expect(statSync(join(scripts, 'postinstall')).mode & 0o111).not.toBe(0);
    for (const k of ['afterInstall', 'afterRemove']) expect(existsSync(join(ROOT, String(config.deb![k])))).toBe(true);
    for (const r of [...(config.linux!.extraResources as { from: string }[]), ...(config.mac!.extraResources as { from: string }[])]) expect(existsSync(join(ROOT, r.from))).toBe(true);
    expect(config.msi).toMatchObject({ perMachine: true });
    expect(config.mac!.target).toEqual(['pkg', 'zip']);
    expect(config.publish).toEqual([{ provider: 'generic', url: 'https://appliance.invalid/v1/updates' }]);
  });
});

describe('npm run dist where a toolchain is missing', () => {
  const dist = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [join(ROOT, 'scripts/dist.js'), '--check', ...args], {
    encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: join(tmp, 'empty-home'), ...env },
  });

  it('stops before building, saying what is missing and how to provide it, in English and French', () => {
    const linux = dist(['--linux']);
    expect(linux.status).toBe(1);
    expect(linux.stderr).toContain('the Electron 4');
    expect(linux.stderr).toContain('le binaire Electron');
    expect(linux.stderr).toContain('the deb needs fpm');
    expect(linux.stderr).toContain('the AppImage needs');
    const win = dist(['--win']);
    expect(win.stderr).toContain('Wine');
    expect(win.stderr).toContain('the MSI needs the WiX toolset');
    expect(win.stderr).toContain('UNSIGNED build');
    const mac = dist(['--mac']);
    expect(mac.stderr).toContain('built on macOS only');
  });

  it('an Electron zip in the cache is found', () => {
    const cache = join(tmp, 'electron-cache', 'abc123');
    mkdirSync(cache, { recursive: true });
    const version = (JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
    writeFileSync(join(cache, `electron-v${version}-linux-x64.zip`), '');
    const r = dist(['--linux'], { ELECTRON_CACHE: join(tmp, 'electron-cache') });
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain('the Electron 4');
    expect(r.stderr).toContain('the deb needs fpm');
  });

  it('the postinstall is executable in git, as pkgbuild needs it', () => {
    const mode = execFileSync('git', ['ls-files', '-s', 'native/macos/pkg-scripts/postinstall'], { cwd: ROOT, encoding: 'utf8' });
    expect(mode).toMatch(/^100755 /);
  });
});
