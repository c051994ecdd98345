// Silent enrollment through the real CLI and the real OS keychain: `havre daemon` on a machine whose
// policy (/etc/havre/policy.json, under HAVRE_POLICY_ROOT) names the appliance and a token enrolls,
// then protects the folders the policy sets; `havre enroll --from-policy` with a spent token stops
// and says IT must deploy a new one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHomeConfig } from '../../../src-main/engine/home/homeConfig.js';
import { runHavre, spawnHavre, type Child } from '../../helpers/cli.js';
import { initAppliance, makeSource, startInProcess, tempRoot, type RunningAppliance } from './helpers.js';
import { until } from '../../helpers/until.js';

const haveBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);

interface Line { event: string; snapshot?: string; machineId?: string; error?: { code: string; message: string } }
const lines = (c: Child): Line[] => c.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);


describe.skipIf(!haveBus)('silent enrollment from the machine policy (CLI, OS keychain, real appliance)', () => {
  const tmp = tempRoot('havre-policy-cli-');
  let appl: RunningAppliance;
  let daemon: Child | null = null;
  const policyRoot = join(tmp.root, 'root');
  const writePolicy = (doc: unknown): void => {
    mkdirSync(join(policyRoot, 'etc/havre'), { recursive: true });
    writeFileSync(join(policyRoot, 'etc/havre/policy.json'), JSON.stringify(doc));
  };

  beforeAll(async () => {
    appl = await startInProcess((await initAppliance(tmp.root)).dir);
  });
  afterAll(async () => {
    if (daemon && daemon.child.exitCode === null) {
      daemon.child.kill('SIGKILL');
      await daemon.done;
    }
    await appl.stop();
    tmp.cleanup();
  });

  it('havre daemon enrolls from the policy, then protects the folders the policy sets', async () => {
    const source = makeSource(tmp.root);
    const token = await appl.token();
    writePolicy({ version: 1, appliance: { url: appl.url, enrollToken: token, user: 'alice' }, settings: { folders: [source.src], continuous: true } });
    const env = { HAVRE_HOME: join(tmp.root, 'home'), HAVRE_POLICY_ROOT: policyRoot, HAVRE_INSECURE_TEST_KDF: '1' };
    const d = spawnHavre(['daemon', '--json'], env);
    daemon = d;
    await until(() => lines(d).some((l) => l.event === 'backup') || d.child.exitCode !== null, 'the first backup', 90_000);
    expect(d.child.exitCode, d.stderr()).toBeNull();
    const events = lines(d).map((l) => l.event);
    expect(events.indexOf('enrolled')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('enrolled')).toBeLessThan(events.indexOf('started'));
    d.child.kill('SIGTERM');
    expect((await d.done).code).toBe(0);
    daemon = null;
    expect(d.stdout() + d.stderr()).not.toContain(token.split('.')[2]!);
    const status = await runHavre(['status', '--json'], env);
    expect(status.json()).toMatchObject({ kind: 'appliance', repo: appl.url });
    const machines = appl.app!.machines.list();
    expect(machines.map((m) => m.user)).toContain('alice');
  });

  it('havre enroll --from-policy with a spent token: stopped, IT must deploy a new one, nothing changed', async () => {
    const token = await appl.token();
    writePolicy({ version: 1, appliance: { url: appl.url, enrollToken: token } });
    const env = { HAVRE_HOME: join(tmp.root, 'home-2'), HAVRE_POLICY_ROOT: policyRoot, HAVRE_INSECURE_TEST_KDF: '1' };
    const first = await runHavre(['enroll', '--from-policy', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const other = { ...env, HAVRE_HOME: join(tmp.root, 'home-3') };
    const r = await runHavre(['enroll', '--from-policy', '--json'], other);
    expect(r.code).toBe(1);
    expect(r.json<{ state: string; error: { code: string; message: string } }>()).toMatchObject({ state: 'stopped', error: { code: 'POLICY_ENROLL_STOPPED' } });
    expect((await readHomeConfig(other.HAVRE_HOME)).repo).toBeUndefined();
  });
});
