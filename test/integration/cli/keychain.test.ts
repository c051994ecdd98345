import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOsKeychain } from '../../../src-main/engine/keychain/index.js';
import { runHavre } from '../../helpers/cli.js';

// Needs the real gnome-keyring on a D-Bus session: `npm test` runs everything inside
// scripts/with-keyring.sh. Run alone without it, this suite says so and is skipped (never in CI).
const haveBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);
if (!haveBus && process.env.CI) throw new Error('CI must run the tests inside scripts/with-keyring.sh');
if (!haveBus) console.warn('keychain CLI tests skipped: no D-Bus session (run through scripts/with-keyring.sh)');

describe.skipIf(!haveBus)('daily use through the OS keychain (real gnome-keyring)', () => {
  let dir: string;
  let env: Record<string, string>;
  let repoId: string;
  const password = 'keychain test password';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'havre-kc-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'f.txt'), 'kept by the keychain');
    env = { HAVRE_HOME: join(dir, 'home'), HAVRE_INSECURE_TEST_KDF: '1' };
    const r = await runHavre(['init', '--repo', join(dir, 'repo'), '--json'], { ...env, HAVRE_PASSWORD: password });
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json<{ keychain: string; repoId: string }>();
    expect(doc.keychain).toBe('saved');
    repoId = doc.repoId;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('backs up and restores with no password at all: the machine key comes from the keychain', async () => {
    const b = await runHavre(['backup', join(dir, 'src'), '--json'], env);
    expect(b.code, b.stderr).toBe(0);
    const s = await runHavre(['status', '--json'], env);
    expect(s.json<{ unlockedVia: string }>().unlockedVia).toBe('keychain');
  });

  it('keeps in the keychain only a key that opens nothing without the repository', async () => {
    const kc = await openOsKeychain();
    const lak = await kc.getSecret(`repo-${repoId}-poste`);
    expect(lak?.length).toBe(32);
  });

  it('without the keychain entry, says so; the password still opens the repository', async () => {
    const kc = await openOsKeychain();
    await kc.deleteSecret(`repo-${repoId}-poste`);
    const r = await runHavre(['snapshots', '--json'], env);
    expect(r.code).toBe(1);
    expect(r.json<{ error: { code: string } }>().error.code).toBe('KEYCHAIN_ENTRY_MISSING');
    const p = await runHavre(['snapshots', '--json'], { ...env, HAVRE_PASSWORD: password });
    expect(p.code, p.stderr).toBe(0);
    expect(p.json<unknown[]>()).toHaveLength(1);
  });
});
