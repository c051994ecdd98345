// What enrollment checks before it spends the token: nothing is sent when any of it fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollMachine } from '../../../src-main/engine/appliance/index.js';
import { HavreError } from '../../../src-main/engine/errors/index.js';
import { writeHomeConfig } from '../../../src-main/engine/home/homeConfig.js';
import { memoryKeychain, type Keychain } from '../../../src-main/engine/keychain/index.js';
import { createTestCa, startServer, type TestServer } from './pki.js';

const FP = 'f'.repeat(64);
const TOKEN = `HVT1.0123456789abcdef.${'A'.repeat(43)}.${FP}`;
let dir: string;
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'havre-enroll-'));
  const ca = await createTestCa();
  server = await startServer(await ca.issue({}), (_r, res) => res.end(ca.certPem));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const base = () => ({ url: server.url, token: TOKEN, user: 'alice', host: 'PC-ALICE', password: 'pw', keychain: memoryKeychain(), home: join(dir, 'home'), kdf: 'test' as const,
  client: { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } } });

describe('enrollMachine, before the token is spent', () => {
  it('TOKEN_MALFORMED for anything that is not a token', async () => {
    for (const token of ['', 'HVT1', TOKEN.slice(0, -1), TOKEN.replace('HVT1', 'HVT2'), `${TOKEN}x`]) {
      await expect(enrollMachine({ ...base(), token })).rejects.toMatchObject({ code: 'TOKEN_MALFORMED' });
    }
    expect(server.connections).toBe(0);
  });

  it('ALREADY_ENROLLED when this home already has an appliance repository', async () => {
    const home = join(dir, 'enrolled');
    await writeHomeConfig(home, { version: 1, repo: { kind: 'appliance', url: 'https://a', applianceId: 'a'.repeat(32), caFingerprint: FP, machineId: 'b'.repeat(32), repoId: 'c'.repeat(32) } });
    await expect(enrollMachine({ ...base(), home })).rejects.toMatchObject({ code: 'ALREADY_ENROLLED', params: { url: 'https://a' } });
    expect(server.connections).toBe(0);
  });

  it('a keychain that does not work stops enrollment before the appliance is contacted', async () => {
    const broken: Keychain = { description: 'broken', getSecret: async () => null, deleteSecret: async () => undefined,
      setSecret: async () => { throw new HavreError('NO_KEYCHAIN', { reason: 'the keychain is locked' }); } };
    await expect(enrollMachine({ ...base(), keychain: broken })).rejects.toMatchObject({ code: 'NO_KEYCHAIN' });
    const liar: Keychain = { ...memoryKeychain(), getSecret: async () => Buffer.from('other') };
    await expect(enrollMachine({ ...base(), keychain: liar })).rejects.toMatchObject({ code: 'NO_KEYCHAIN' });
    expect(server.connections).toBe(0);
  });

  it('refuses empty passwords, bad names and plain http before anything', async () => {
    await expect(enrollMachine({ ...base(), password: '' })).rejects.toMatchObject({ code: 'PASSWORD_REQUIRED' });
    await expect(enrollMachine({ ...base(), user: 'a\nb' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(enrollMachine({ ...base(), url: server.url.replace('https', 'http') })).rejects.toMatchObject({ code: 'USAGE' });
    expect(server.connections).toBe(0);
  });

  it('an appliance whose CA does not match the token: APPLIANCE_CERT_MISMATCH, only GET /v1/ca was sent', async () => {
    await expect(enrollMachine(base())).rejects.toMatchObject({ code: 'APPLIANCE_CERT_MISMATCH' });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/ca']);
  });
});
