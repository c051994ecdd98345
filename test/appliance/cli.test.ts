// The administrator's command, `havre-appliance`, run as a real process on a data folder that a
// real appliance server (in this process) serves at the same time.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenInfo } from '../../appliance/domain/Tokens.js';
import type { DeletionInfo } from '../../appliance/domain/Deletions.js';
import type { MachineInfo } from '../../appliance/domain/Machines.js';
import type { Alert } from '../../appliance/alerts/Alerts.js';
import { parseToken } from '../../src-main/engine/appliance/protocol.js';
import { ADMIN_PASSWORD, startAppliance, type TestAppliance } from './helpers/appliance.js';
import { cliMode, runAppliance, spawnAppliance } from './helpers/cli.js';
import { call } from './helpers/https.js';
import { authKeyOf, enroll, type TestMachine } from './helpers/machines.js';
import { newObject, objectPath, putObject } from './helpers/objects.js';

describe(`havre-appliance command (${cliMode})`, () => {
  let root: string;
  let data: string;
  let env: Record<string, string>;
  let t: TestAppliance;
  let m: TestMachine;
  let caFingerprint: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'havre-appliance-cli-'));
    data = join(root, 'data');
    env = { HAVRE_APPLIANCE_DATA: data, HAVRE_INSECURE_TEST_KDF: '1' };
    const init = await runAppliance(['init', '--name', 'localhost', '--name', '127.0.0.1', '--port', '18443', '--admin-password-stdin', '--json'], env, `${ADMIN_PASSWORD}\n`);
    expect(init.code, init.stderr).toBe(0);
    const doc = init.json<{ caFingerprint: string; listen: { port: number }; names: string[] }>();
    caFingerprint = doc.caFingerprint;
    expect(doc.listen.port).toBe(18443);
    expect(doc.names).toEqual(['localhost', '127.0.0.1']);
    t = await startAppliance({ dir: data });
  });

  afterAll(async () => {
    await t?.stop({ keepDir: true });
    rmSync(root, { recursive: true, force: true });
  });

  it('init made a working appliance; a second init is refused; `ca` prints the pinned fingerprint', async () => {
    expect(existsSync(join(data, 'appliance.json'))).toBe(true);
    expect(t.caFingerprint()).toBe(caFingerprint);
    const again = await runAppliance(['init', '--json'], { ...env, HAVRE_APPLIANCE_ADMIN_PASSWORD: 'x' });
    expect(again.code).toBe(1);
    expect(again.json<{ error: { code: string } }>().error.code).toBe('ALREADY_INITIALISED');
    const ca = (await runAppliance(['ca', '--json'], env)).json<{ fingerprint: string; certificate: string }>();
    expect(ca.fingerprint).toBe(caFingerprint);
    expect(ca.certificate).toBe(t.caPem);
  });

  it('tokens create / list / revoke; a token from the command enrolls a machine with the running server', async () => {
    const created = await runAppliance(['tokens', 'create', '--ttl', '2', '--note', 'PC of Alice', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const doc = created.json<TokenInfo & { token: string }>();
    expect(parseToken(doc.token)?.caFingerprint).toBe(caFingerprint);
    expect(Date.parse(doc.expires) - Date.parse(doc.created)).toBe(2 * 3600_000);

    const list = (await runAppliance(['tokens', 'list', '--json'], env)).json<{ tokens: TokenInfo[] }>();
    expect(list.tokens.find((x) => x.id === doc.id)).toMatchObject({ state: 'active', note: 'PC of Alice' });

    m = await enroll(t, { token: doc.token, host: 'PC-ALICE', user: 'alice' });
    const after = (await runAppliance(['tokens', 'list', '--json'], env)).json<{ tokens: TokenInfo[] }>();
    expect(after.tokens.find((x) => x.id === doc.id)).toMatchObject({ state: 'used', machineId: m.machineId });

    const other = (await runAppliance(['tokens', 'create', '--json'], env)).json<TokenInfo & { token: string }>();
    expect((await runAppliance(['tokens', 'revoke', other.id], env)).code).toBe(0);
    const r = await call(t, 'POST', '/v1/enroll', { json: { token: other.token } });
    expect(r.status).toBe(400); // the body is incomplete; the token itself would be "revoked":
    expect(t.app.tokens.info(other.id).state).toBe('revoked');

    const human = await runAppliance(['tokens', 'list'], env);
    expect(human.stdout).toMatch(/^ID\s+STATE\s+CREATED/m);
    expect(human.stdout).toContain('PC of Alice');

    // A fleet token (issue 8): up to N machines, said so; 0 is refused.
    const fleet = await runAppliance(['tokens', 'create', '--uses', '50', '--note', 'wave 1'], env);
    expect(fleet.code, fleet.stderr).toBe(0);
    expect(fleet.stdout).toContain('for up to 50 machines');
    expect((await runAppliance(['tokens', 'list'], env)).stdout).toMatch(/0\/50\s+wave 1/);
    const zero = await runAppliance(['tokens', 'create', '--uses', '0'], env);
    expect(zero.code).not.toBe(0);
    expect(zero.stderr).toContain('1 to 100000 machines');
  });

  it('machines list / quota / silence / revoke, by a short id prefix', async () => {
    const list = (await runAppliance(['machines', 'list', '--json'], env)).json<{ machines: MachineInfo[] }>();
    expect(list.machines.map((x) => x.machineId)).toEqual([m.machineId]);
    expect(list.machines[0]).toMatchObject({ host: 'PC-ALICE', user: 'alice', revoked: false, quotaBytes: null });

    const prefix = m.machineId.slice(0, 6);
    expect((await runAppliance(['machines', 'quota', prefix, '1K', '--json'], env)).json<MachineInfo>().quotaBytes).toBe(1024);
    const over = await putObject(t, m, 'data', newObject(2000).bytes);
    expect(over.status).toBe(507);
    const alerts = (await runAppliance(['alerts', '--json'], env)).json<{ alerts: Alert[] }>();
    expect(alerts.alerts.map((a) => a.type)).toContain('QUOTA_EXCEEDED');
    expect((await runAppliance(['alerts'], env)).stdout).toContain('QUOTA_EXCEEDED');
    expect((await runAppliance(['machines', 'quota', prefix, 'none', '--json'], env)).json<MachineInfo>().quotaBytes).toBeNull();
    expect((await putObject(t, m, 'data', newObject(2000).bytes)).status).toBe(201);

    expect((await runAppliance(['machines', 'silence', prefix, '168', '--json'], env)).json<MachineInfo>().maxSilenceHours).toBe(168);
    const bad = await runAppliance(['machines', 'quota', 'ffff', '1K'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('havre-appliance: Not found: machine ffff');
  });

  it('deletions list / cancel: a machine’s deletion request, cancelled by the administrator, makes the object visible again', async () => {
    const o = newObject(3000);
    expect((await putObject(t, m, 'index', o.bytes)).status).toBe(201);
    expect((await call(t, 'DELETE', objectPath(m.machineId, 'index', o.name), { id: m.id })).status).toBe(202);
    expect((await call(t, 'GET', objectPath(m.machineId, 'index', o.name), { id: m.id })).status).toBe(404);

    const list = (await runAppliance(['deletions', 'list', '--json'], env)).json<{ deletions: DeletionInfo[] }>();
    const d = list.deletions.find((x) => x.name === o.name)!;
    expect(d).toMatchObject({ machineId: m.machineId, kind: 'index', state: 'pending', size: 3000 });
    const cancelled = await runAppliance(['deletions', 'cancel', String(d.id), '--json'], env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.json<DeletionInfo>().state).toBe('cancelled');
    expect((await call(t, 'GET', objectPath(m.machineId, 'index', o.name), { id: m.id })).body.equals(o.bytes)).toBe(true);
    expect((await runAppliance(['deletions', 'cancel', String(d.id)], env)).code).toBe(1);

    const applied = (await runAppliance(['deletions', 'apply', '--json'], env)).json<{ applied: number }>();
    expect(applied.applied).toBe(0); // nothing is due before 14 days
  });

  it('users unlock lifts a lockout; logs show it with the enrollment', async () => {
    for (let i = 0; i < 5; i++) await call(t, 'POST', '/v1/auth/login', { json: { role: 'user', machineId: m.machineId, authKey: Buffer.alloc(32).toString('base64') } });
    const right = await authKeyOf(m.password, m.keys.userPrivateKey.wrap);
    const login = () => call(t, 'POST', '/v1/auth/login', { json: { role: 'user', machineId: m.machineId, authKey: right } });
    expect((await login()).status).toBe(423);
    const unlock = await runAppliance(['users', 'unlock', m.machineId.slice(0, 8)], env);
    expect(unlock.code, unlock.stderr).toBe(0);
    expect((await login()).status).toBe(200);
    const logs = (await runAppliance(['logs', '--machine', m.machineId, '--json'], env)).json<{ log: { action: string; actor: string }[] }>();
    const actions = logs.log.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['machine.enroll', 'account.lockout', 'account.unlock', 'machine.quota', 'deletion.cancel']));
    expect(logs.log.find((e) => e.action === 'account.unlock')?.actor).toBe('admin-cli');
    expect((await runAppliance(['admin', 'unlock'], env)).code).toBe(0);
  });

  it('revoking from the command shuts the machine out of the running server', async () => {
    expect((await runAppliance(['machines', 'revoke', m.machineId], env)).code).toBe(0);
    expect((await call(t, 'GET', '/v1/machine/keys', { id: m.id })).code).toBe('MACHINE_REVOKED');
  });

  it('serve: a real server process answers, logs each request, and stops cleanly on SIGTERM', async () => {
    const child = spawnAppliance(['serve', '--port', '0', '--host', '127.0.0.1', '--json'], env);
    const lines: Record<string, unknown>[] = [];
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let i;
      while ((i = buffered.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buffered.slice(0, i)) as Record<string, unknown>);
        buffered = buffered.slice(i + 1);
      }
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const waitFor = async (event: string): Promise<void> => {
        const deadline = Date.now() + 20_000;
        while (!lines.some((l) => l.event === event)) {
          if (Date.now() > deadline) throw new Error(`serve printed no “${event}” line`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await waitFor('listening');
      const listening = lines.find((l) => l.event === 'listening')!;
      expect(listening.caFingerprint).toBe(caFingerprint);
      const info = await call({ port: listening.port as number, caPem: t.caPem }, 'GET', '/v1/info');
      expect(info.json()).toMatchObject({ protocol: 1, caFingerprint });
      await waitFor('request');
      expect(lines.find((l) => l.event === 'request')).toMatchObject({ method: 'GET', path: '/v1/info', status: 200 });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['stopping', 'stopped']));
  });

  it('usage errors are clear, in English or French, with exit code 1', async () => {
    const noData = await runAppliance(['tokens', 'list'], {});
    expect(noData.code).toBe(1);
    expect(noData.stderr).toContain('--data DIR');
    const fr = await runAppliance(['machines', 'list'], { HAVRE_APPLIANCE_DATA: join(root, 'nowhere'), LANG: 'fr_FR.UTF-8' });
    expect(fr.code).toBe(1);
    expect(fr.stderr).toContain('Aucune appliance dans');
    const unknown = await runAppliance(['frobnicate', '--json'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.json<{ error: { code: string } }>().error.code).toBe('USAGE');
    expect((await runAppliance(['tokens', 'create', '--bogus'], env)).code).toBe(1);
  });
});
