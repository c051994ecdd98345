// The appliance flows through the real `havre` CLI and the real OS keychain (gnome-keyring on a
// private D-Bus session: `npm test` runs everything inside scripts/with-keyring.sh): enroll, back
// up, restore on this machine; the new laptop's user and admin restores with no keychain at all;
// machines; an interceptor; a wrong password; the appliance going away in the middle of a backup.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOsKeychain } from '../../../src-main/engine/keychain/index.js';
import { runHavre, type CliRun } from '../../helpers/cli.js';
import { describeTree } from '../../helpers/trees.js';
import { createTestCa, startServer, type TestServer } from '../../unit/appliance-client/pki.js';
import { ADMIN_PASSWORD, allFiles, initAppliance, makeSource, startInProcess, tempRoot, USER_PASSWORD, type RunningAppliance } from './helpers.js';

const haveBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);
if (!haveBus && process.env.CI) throw new Error('CI must run the tests inside scripts/with-keyring.sh');
if (!haveBus) console.warn('appliance CLI tests skipped: no D-Bus session for the OS keychain (run through scripts/with-keyring.sh)');

interface ErrorDoc {
  error: { code: string; message: string; messageFr: string; params: Record<string, string | number> };
}

describe.skipIf(!haveBus)('havre with an appliance (CLI, OS keychain)', () => {
  const tmp = tempRoot('havre-appl-cli-');
  let appl: RunningAppliance;
  let dir: string;
  let fingerprint: string;
  let port: number;
  let machineId: string;
  const env = { HAVRE_HOME: join(tmp.root, 'home'), HAVRE_INSECURE_TEST_KDF: '1' };
  const laptop = { HAVRE_HOME: join(tmp.root, 'new-laptop'), HAVRE_KEYCHAIN: 'none' };
  let source: ReturnType<typeof makeSource>;
  const havre = (args: string[], e: Record<string, string> = env, input?: string): Promise<CliRun> => runHavre(args, e, input !== undefined ? { input } : {});
  const session = (as: 'user' | 'admin'): string[] => ['--as', as, '--appliance', appl.url, '--ca-fingerprint', fingerprint];

  beforeAll(async () => {
    ({ dir, fingerprint } = await initAppliance(tmp.root));
    appl = await startInProcess(dir);
    port = appl.port;
    source = makeSource(tmp.root);
  });
  afterAll(async () => {
    await appl.stop().catch(() => undefined);
    tmp.cleanup();
  });

  it('enrolls: the machine is ready, its keys in the keychain', async () => {
    const r = await havre(['enroll', '--appliance', appl.url, '--token', await appl.token(), '--user', 'alice', '--password-stdin', '--json'], env, USER_PASSWORD);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json<{ machineId: string; appliance: string; user: string }>();
    expect(doc).toMatchObject({ appliance: appl.url, user: 'alice' });
    machineId = doc.machineId;
    const s = await havre(['status', '--json']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.json()).toMatchObject({ kind: 'appliance', machineId, repo: appl.url, state: 'ok', unlockedVia: 'appliance-machine', spool: { objects: 0 } });
    // a second enrollment of this machine is refused, and does not spend the token
    const token = await appl.token();
    const again = await havre(['enroll', '--appliance', appl.url, '--token', token, '--password-stdin', '--json'], env, 'x');
    expect(again.json<ErrorDoc>().error.code).toBe('ALREADY_ENROLLED');
    expect(appl.app!.tokens.info(token.split('.')[1]!).state).toBe('active');
  });

  it('backs up and restores on this machine with no password', async () => {
    const b = await havre(['backup', source.src, '--json']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.json()).toMatchObject({ offline: false, spool: { objects: 0 } });
    expect(appl.app!.machines.summaries().find((m) => m.machineId === machineId)?.lastSeen).not.toBeNull(); // reported after the backup
    const out = join(tmp.root, 'restored-here');
    const r = await havre(['restore', 'latest', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(await describeTree(join(out, source.src))).toEqual(await describeTree(source.src));
  });

  it('restores on a new laptop with the password only: no enrollment, no keychain', async () => {
    const snaps = await havre(['snapshots', ...session('user'), '--user', 'alice', '--password-stdin', '--json'], laptop, USER_PASSWORD);
    expect(snaps.code, snaps.stderr).toBe(0);
    expect(snaps.json<unknown[]>()).toHaveLength(1);
    const out = join(tmp.root, 'restored-laptop');
    const r = await havre(['restore', ...session('user'), '--user', 'alice', '--password-stdin', 'latest', out, '--json'], laptop, USER_PASSWORD);
    expect(r.code, r.stderr).toBe(0);
    expect(await describeTree(join(out, source.src))).toEqual(await describeTree(source.src));
    // nothing of this machine is left behind but a catalog (a cache of encrypted names and ids)
    expect(existsSync(join(laptop.HAVRE_HOME, 'config.json'))).toBe(false);
  });

  it('the administrator restores it from another computer', async () => {
    const admin = { HAVRE_HOME: join(tmp.root, 'admin-pc'), HAVRE_KEYCHAIN: 'none' };
    const out = join(tmp.root, 'restored-admin');
    const r = await havre(['restore', ...session('admin'), '--machine', machineId.slice(0, 8), '--password-stdin', 'latest', '--target', out], admin, ADMIN_PASSWORD);
    expect(r.code, r.stderr).toBe(0);
    expect(await describeTree(join(out, source.src))).toEqual(await describeTree(source.src));
  });

  it('lists machines: a user’s own, or all for the administrator', async () => {
    const u = await havre(['machines', ...session('user'), '--user', 'alice', '--json'], laptop);
    expect(u.code, u.stderr).toBe(0);
    expect(u.json<{ machineId: string }[]>().map((m) => m.machineId)).toEqual([machineId]);
    const a = await havre(['machines', ...session('admin'), '--password-stdin', '--json'], laptop, ADMIN_PASSWORD);
    expect(a.code, a.stderr).toBe(0);
    expect(a.json<{ machineId: string; user: string }[]>()).toEqual([expect.objectContaining({ machineId, user: 'alice' })]);
    const mine = await havre(['machines', '--as', 'user']); // on the enrolled machine: no URL, no fingerprint, its user
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.stdout).toMatch(/this machine/);
  });

  it('a wrong password says how many tries are left, in English and French', async () => {
    const r = await havre(['snapshots', ...session('user'), '--user', 'alice', '--password-stdin', '--json'], { ...laptop, HAVRE_LANG: 'fr' }, 'not my password');
    expect(r.code).toBe(1);
    const e = r.json<ErrorDoc>().error;
    expect(e.code).toBe('WRONG_PASSWORD_ATTEMPTS');
    expect(e.params.remaining).toBe(4);
    expect(r.stderr).toMatch(/encore 4 essai/);
    expect(r.stderr).not.toContain('not my password');
    // a success resets the count (so the rest of this suite is not locked out)
    expect((await havre(['snapshots', ...session('user'), '--user', 'alice', '--password-stdin'], laptop, USER_PASSWORD)).code).toBe(0);
  });

  describe('an interceptor', () => {
    let rogue: TestServer;
    beforeAll(async () => {
      const other = await createTestCa('Interceptor');
      rogue = await startServer(await other.issue({}), (_r, res) => res.end(appl.app!.caPem)); // even serves the genuine CA
    });
    afterAll(() => rogue.close());

    it('is refused at enrollment and at a password restore; it gets neither the token nor the password', async () => {
      const fresh = { HAVRE_HOME: join(tmp.root, 'mitm'), HAVRE_INSECURE_TEST_KDF: '1' };
      const token = await appl.token();
      const r = await havre(['enroll', '--appliance', rogue.url, '--token', token, '--password-stdin', '--json'], fresh, USER_PASSWORD);
      expect(r.code).toBe(1);
      expect(r.json<ErrorDoc>().error.code).toBe('APPLIANCE_CERT_MISMATCH');
      expect(r.stderr).toMatch(/interception/);
      const s = await havre(['snapshots', '--as', 'user', '--appliance', rogue.url, '--ca-fingerprint', fingerprint, '--user', 'alice', '--password-stdin', '--json'], laptop, USER_PASSWORD);
      expect(s.json<ErrorDoc>().error.code).toBe('APPLIANCE_CERT_MISMATCH');
      expect(rogue.requests.map((q) => `${q.method} ${q.url}`).every((l) => l === 'GET /v1/ca')).toBe(true);
      expect(appl.app!.tokens.info(token.split('.')[1]!).state).toBe('active');
    });
  });

  it('the appliance goes away mid-backup: the backup waits on this computer, says so, and goes out at the next run', async () => {
    const big = makeSource(join(tmp.root, 'big'), { bigMiB: 40 });
    const packs = join(dir, 'objects', machineId, 'data');
    const before = allFiles(packs).length;
    let stopped = false;
    const watcher = (async () => {
      for (let i = 0; i < 3000 && !stopped; i++) {
        if (allFiles(packs).length > before) {
          await appl.stop();
          stopped = true;
        } else await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const b = await havre(['backup', big.src, '--limit-upload', '8192', '--json']);
    await watcher;
    expect(stopped).toBe(true);
    expect(b.code, b.stderr).toBe(0);
    const doc = b.json<{ snapshot: string; offline: boolean; spool: { objects: number; bytes: number } }>();
    expect(doc.offline).toBe(true);
    expect(doc.spool.objects).toBeGreaterThan(0);
    expect(b.stderr).toMatch(new RegExp(`The appliance at ${appl.url.replace(/[.]/g, '\\.')} cannot be reached .*: \\d+ object\\(s\\) \\(.*\\) wait on this computer`));

    const st = await havre(['status', '--json']);
    expect(st.json()).toMatchObject({ state: 'error', error: { code: 'APPLIANCE_UNREACHABLE' }, spool: { objects: doc.spool.objects } });

    appl = await startInProcess(dir, port);
    const next = await havre(['snapshots', '--json']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/Sent \d+ object\(s\) .* that were waiting on this computer/);
    expect(next.json<{ id: string }[]>().map((s) => s.id)).toContain(doc.snapshot);
    expect(readdirSync(join(env.HAVRE_HOME, 'spool', machineId)).filter((f) => /^\d{12}\./.test(f))).toEqual([]);
    const out = join(tmp.root, 'restored-big');
    const r = await havre(['restore', doc.snapshot, '--target', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(await describeTree(join(out, big.src))).toEqual(await describeTree(big.src));
    const v = await havre(['verify', '--read-data', '--json']);
    expect(v.code, v.stderr).toBe(0);
  });

  it('without its keychain entries the machine still reads with the password; writing needs them', async () => {
    const kc = await openOsKeychain();
    await kc.deleteSecret(`appliance-${machineId}-tls`);
    await kc.deleteSecret(`appliance-${machineId}-poste`);
    const none = await havre(['snapshots', '--json']);
    expect(none.code).toBe(1);
    expect(none.json<ErrorDoc>().error.code).toBe('KEYCHAIN_ENTRY_MISSING');
    const pw = await havre(['status', '--json'], { ...env, HAVRE_PASSWORD: USER_PASSWORD });
    expect(pw.json()).toMatchObject({ state: 'ok', unlockedVia: 'appliance-user' });
    const b = await havre(['backup', source.src, '--json'], { ...env, HAVRE_PASSWORD: USER_PASSWORD });
    expect(b.json<ErrorDoc>().error.code).toBe('KEYCHAIN_ENTRY_MISSING');
  });
});
