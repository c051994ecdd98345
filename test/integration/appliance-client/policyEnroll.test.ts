// Silent enrollment from the machine policy, against the real reference appliance over TLS.
// Bad inputs and failures tried: the appliance away (token not spent, retried later with the same
// token), a token already used (stopped until a new one), no keychain, a keychain that fails after
// the token is spent (everything written is undone: no keychain entry, no file, not enrolled), two
// calls before the planned retry (no extra attempt), a new token after a stop.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHomeConfig } from '../../../src-main/engine/home/homeConfig.js';
import { memoryKeychain, type Keychain } from '../../../src-main/engine/keychain/index.js';
import { createEngineService } from '../../../src-main/engine/service/index.js';
import { enrollFromPolicy, enrollStatePath, type Policy, type PolicyEnrollOptions } from '../../../src-main/engine/policy/index.js';
import { FAST_RETRY, initAppliance, startInProcess, tempRoot, type RunningAppliance } from './helpers.js';

/** A keychain that records what it holds, and can fail from its Nth write on. */
function recordingKeychain(failFromWrite = Infinity): Keychain & { accounts(): string[] } {
  const inner = memoryKeychain();
  const held = new Set<string>();
  let writes = 0;
  return {
    description: 'test',
    getSecret: (a) => inner.getSecret(a),
    setSecret: async (a, v) => {
      if (++writes >= failFromWrite) throw new Error('keychain write failed');
      held.add(a);
      await inner.setSecret(a, v);
    },
    deleteSecret: async (a) => {
      held.delete(a);
      await inner.deleteSecret(a);
    },
    accounts: () => [...held],
  };
}

describe('silent enrollment from the policy (real appliance)', () => {
  const t = tempRoot('havre-policy-enroll-');
  let dataDir: string;
  let appl: RunningAppliance;
  let n = 0;
  const policyWith = (url: string, token: string): Policy => ({ version: 1, appliance: { url, enrollToken: token } });
  const options = (home: string, policy: Policy, extra: Partial<PolicyEnrollOptions> = {}): PolicyEnrollOptions => ({
    home, policy, keychain: memoryKeychain(), user: 'alice', host: `PC-${++n}`, kdf: 'test', client: { retry: FAST_RETRY }, ...extra,
  });

  beforeAll(async () => {
    dataDir = (await initAppliance(t.root)).dir;
    appl = await startInProcess(dataDir);
  });
  afterAll(async () => {
    await appl.stop();
    t.cleanup();
  });

  it('enrolls on the first start, then knows it is enrolled', async () => {
    const home = join(t.root, 'home-first');
    const policy = policyWith(appl.url, await appl.token());
    const keychain = recordingKeychain();
    const o = await enrollFromPolicy(options(home, policy, { keychain }));
    expect(o.state).toBe('enrolled');
    const repo = (await readHomeConfig(home)).repo;
    expect(repo?.kind).toBe('appliance');
    expect(o.state === 'enrolled' && o.machineId).toBe(repo?.kind === 'appliance' && repo.machineId);
    expect(keychain.accounts().sort()).toEqual([`appliance-${(o as { machineId: string }).machineId}-poste`, `appliance-${(o as { machineId: string }).machineId}-tls`]);
    expect(appl.app!.machines.list().map((m) => m.host)).toContain(`PC-${n}`);
    expect(await enrollFromPolicy(options(home, policy, { keychain }))).toMatchObject({ state: 'enrolled', already: true });
    expect(existsSync(enrollStatePath(home))).toBe(false);
  });

  it('the appliance away: reported and retried later, the token is not spent; the same token enrolls once it is back', async () => {
    const home = join(t.root, 'home-away');
    const token = await appl.token();
    const port = appl.port;
    await appl.stop();
    const now = new Date('2026-12-06T10:00:00Z');
    const first = await enrollFromPolicy(options(home, policyWith(`https://127.0.0.1:${port}`, token), { now: () => now }));
    expect(first.state).toBe('retry');
    if (first.state !== 'retry') return;
    expect(first.error.code).toBe('POLICY_ENROLL_RETRY');
    expect(first.error.message).toContain('cannot be reached');
    expect(first.error.message).toContain('attempt 1');
    expect(first.nextAttemptAt).toBe('2026-12-06T10:01:00.000Z');
    expect(readFileSync(enrollStatePath(home), 'utf8')).not.toContain(token);
    expect((await readHomeConfig(home)).repo).toBeUndefined();
    // Before the planned time, no new attempt.
    const early = await enrollFromPolicy(options(home, policyWith(`https://127.0.0.1:${port}`, token), { now: () => new Date('2026-12-06T10:00:30Z') }));
    expect(early).toMatchObject({ state: 'retry', attempts: 1 });
    // The second failure waits longer.
    const second = await enrollFromPolicy(options(home, policyWith(`https://127.0.0.1:${port}`, token), { now: () => new Date('2026-12-06T10:01:00Z') }));
    expect(second).toMatchObject({ state: 'retry', attempts: 2, nextAttemptAt: '2026-12-06T10:03:00.000Z' });

    appl = await startInProcess(dataDir, port);
    const back = await enrollFromPolicy(options(home, policyWith(appl.url, token), { now: () => new Date('2026-12-06T10:03:00Z') }));
    expect(back.state).toBe('enrolled');
    expect(existsSync(enrollStatePath(home))).toBe(false);
  });

  it('no keychain: retried later, the token is not spent', async () => {
    const home = join(t.root, 'home-nokeychain');
    const token = await appl.token();
    const o = await enrollFromPolicy(options(home, policyWith(appl.url, token), { keychain: null, keychainReason: 'no secret service' }));
    expect(o.state).toBe('retry');
    expect(o.state === 'retry' && o.error.message).toContain('no secret service');
    expect((await enrollFromPolicy(options(home, policyWith(appl.url, token), { force: true }))).state).toBe('enrolled');
  });

  it('a failure after the token is spent undoes every local write; the spent token then stops the retries, a new one enrolls', async () => {
    const home = join(t.root, 'home-halfway');
    const token = await appl.token();
    // Write 1 is the keychain probe; write 2 the machine key, after the appliance enrolled it (kept);
    // write 3, the TLS key, fails.
    const keychain = recordingKeychain(3);
    const o = await enrollFromPolicy(options(home, policyWith(appl.url, token), { keychain }));
    expect(o.state).toBe('retry');
    expect(keychain.accounts()).toEqual([]);
    expect((await readHomeConfig(home)).repo).toBeUndefined();
    expect(existsSync(join(home, 'appliances')) ? readdirSync(join(home, 'appliances')) : []).toEqual([]);

    const again = await enrollFromPolicy(options(home, policyWith(appl.url, token), { force: true }));
    expect(again.state).toBe('stopped');
    expect(again.state === 'stopped' && again.error.code).toBe('POLICY_ENROLL_STOPPED');
    expect(again.state === 'stopped' && again.error.message).toContain('new enrollment token');
    expect((await enrollFromPolicy(options(home, policyWith(appl.url, token), { force: true }))).state).toBe('stopped');

    expect((await enrollFromPolicy(options(home, policyWith(appl.url, await appl.token())))).state).toBe('enrolled');
  });

  it('the app’s engine enrolls in the background at start, then protects', async () => {
    const home = join(t.root, 'home-engine');
    const root = join(t.root, 'policy-root');
    mkdirSync(join(root, 'etc/havre'), { recursive: true });
    writeFileSync(join(root, 'etc/havre/policy.json'), JSON.stringify(policyWith(appl.url, await appl.token())));
    process.env.HAVRE_POLICY_ROOT = root;
    process.env.HAVRE_INSECURE_TEST_KDF = '1';
    const keychain = memoryKeychain();
    const engine = await createEngineService({ home, credentials: async () => ({ keychain }), userHome: join(t.root, 'user-engine') });
    try {
      for (let i = 0; i < 600 && (await engine.status()).repo === null; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await engine.status()).repo).toBe(appl.url);
      expect((await readHomeConfig(home)).repo?.kind).toBe('appliance');
    } finally {
      await engine.close();
      delete process.env.HAVRE_POLICY_ROOT;
      delete process.env.HAVRE_INSECURE_TEST_KDF;
    }
  });

  it('one fleet token in the policy enrolls a wave of machines, then stops the next one', async () => {
    const policy = policyWith(appl.url, appl.app!.tokens.create({ uses: 2 }).token);
    expect((await enrollFromPolicy(options(join(t.root, 'fleet-1'), policy))).state).toBe('enrolled');
    expect((await enrollFromPolicy(options(join(t.root, 'fleet-2'), policy))).state).toBe('enrolled');
    const third = await enrollFromPolicy(options(join(t.root, 'fleet-3'), policy));
    expect(third.state).toBe('stopped');
    expect(third.state === 'stopped' && third.error.message).toContain('used');
  });

  it('no appliance or no token in the policy: nothing happens', async () => {
    const home = join(t.root, 'home-none');
    expect(await enrollFromPolicy(options(home, { version: 1 }))).toEqual({ state: 'not-configured' });
    expect(await enrollFromPolicy(options(home, { version: 1, appliance: { url: appl.url } }))).toEqual({ state: 'not-configured' });
    expect(existsSync(home)).toBe(false);
  });
});
