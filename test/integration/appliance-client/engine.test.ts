// The appliance client end to end against the reference appliance (appliance/), at the engine level
// with an in-memory keychain: enrollment, backup and byte-identical restore, the new-laptop user
// and admin restores, what the keychain alone and the appliance alone can open (nothing), MITM
// refusal, the lockout, and an appliance that stops or is killed in the middle of a backup.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caFile, certFile, enrollMachine, heartbeatIfDue, machineStatus, openMachineTarget, openSessionTarget, posteAccount, resolvePinnedCa, tlsAccount, UserSecretSource, ApplianceClient, type MachineTarget } from '../../../src-main/engine/appliance/index.js';
import { Throttle } from '../../../src-main/engine/net/index.js';
import { deriveRepoKeys, unlockAsMachine } from '../../../src-main/engine/crypto/index.js';
import { HavreError } from '../../../src-main/engine/errors/index.js';
import { readHomeConfig, type ApplianceRepoRef } from '../../../src-main/engine/home/homeConfig.js';
import { runBackup, runRestore, runVerify } from '../../../src-main/engine/jobs/index.js';
import { memoryKeychain, type Keychain } from '../../../src-main/engine/keychain/index.js';
import { withRepository, type Repository } from '../../../src-main/engine/repo/index.js';
import type { ObjectKind } from '../../../src-main/engine/store/index.js';
import { SpoolingStore } from '../../../src-main/engine/store/spool/index.js';
import { describeTree } from '../../helpers/trees.js';
import { createTestCa, startServer, type TestServer } from '../../unit/appliance-client/pki.js';
import {
  ADMIN_PASSWORD, allFiles, FAST_RETRY, filesContaining, initAppliance, makeSource, startChild, startInProcess, tempRoot, USER_PASSWORD, type RunningAppliance,
} from './helpers.js';

const tmp = tempRoot('havre-appl-client-');
let applianceDir: string;
let fingerprint: string;
let appl: RunningAppliance;
let port: number;
const home = join(tmp.root, 'home');
const keychain: Keychain = memoryKeychain();
let ref: ApplianceRepoRef;
let source: ReturnType<typeof makeSource>;

async function failure(p: Promise<unknown>): Promise<HavreError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HavreError) return e;
    throw e;
  }
  throw new Error('expected a HavreError');
}

async function withMachine<T>(fn: (repo: Repository, t: MachineTarget) => Promise<T>, opts: { upload?: Throttle; home?: string; ref?: ApplianceRepoRef } = {}): Promise<T> {
  const t = await openMachineTarget(opts.home ?? home, opts.ref ?? ref, keychain, { tuning: { retry: FAST_RETRY, ...(opts.upload ? { upload: opts.upload } : {}) } });
  try {
    await t.store.drain();
    return await withRepository(t.store, { home: opts.home ?? home, credentials: { source: t.source } }, (repo) => fn(repo, t), 'test');
  } finally {
    t.close();
  }
}

async function expectRestoresIdentical(repo: Repository, snapshot: string, src: string, out: string): Promise<void> {
  const r = await runRestore(repo, { snapshot, target: out, conflict: 'overwrite' });
  expect(r.failed).toEqual([]);
  expect(await describeTree(join(out, src))).toEqual(await describeTree(src));
}

/** Every object file in the appliance's vault hashes to its name: nothing half-written is visible. */
function vaultIsWhole(dir: string): number {
  let n = 0;
  for (const f of allFiles(join(dir, 'objects'))) {
    if (f.includes(`${join('objects', '.tmp')}`)) continue;
    const name = basename(f);
    expect(name).toMatch(/^[0-9a-f]{64}$/);
    expect(createHash('sha256').update(readFileSync(f)).digest('hex')).toBe(name);
    n++;
  }
  return n;
}

beforeAll(async () => {
  ({ dir: applianceDir, fingerprint } = await initAppliance(tmp.root));
  appl = await startInProcess(applianceDir);
  port = appl.port;
  source = makeSource(tmp.root);
});

afterAll(async () => {
  await appl.stop().catch(() => undefined);
  tmp.cleanup();
});

describe('the appliance client against the reference appliance', () => {
  it('enrolls end to end: keys in the keychain, certificates in the home, the token used up', async () => {
    const token = await appl.token();
    const r = await enrollMachine({ url: appl.url, token, user: 'alice', host: 'PC-ALICE', password: USER_PASSWORD, keychain, home, kdf: 'test', client: { retry: FAST_RETRY } });
    ref = r.ref;
    expect(r.configSpooled).toBe(false);
    expect(ref).toMatchObject({ kind: 'appliance', url: appl.url, caFingerprint: fingerprint });
    expect((await readHomeConfig(home)).repo).toEqual(ref);
    expect((await keychain.getSecret(posteAccount(ref.machineId)))?.length).toBeGreaterThan(1000);
    expect((await keychain.getSecret(tlsAccount(ref.machineId)))?.length).toBeGreaterThan(100);
    expect(readFileSync(caFile(home, ref.applianceId), 'utf8')).toBe(appl.app!.caPem.trim() + '\n');
    expect(existsSync(certFile(home, ref.applianceId, ref.machineId))).toBe(true);
    // no private key on disk: only the CA and this machine's certificate
    for (const f of allFiles(home)) expect(readFileSync(f, 'utf8')).not.toMatch(/PRIVATE KEY/);
    expect(appl.app!.machines.summaries().map((m) => m.host)).toEqual(['PC-ALICE']);
    const tokenId = token.split('.')[1]!;
    expect(appl.app!.tokens.info(tokenId).state).toBe('used');
    // a token enrolls one machine, once
    const again = await failure(enrollMachine({ url: appl.url, token, user: 'mallory', host: 'PC-X', password: 'x', keychain: memoryKeychain(), home: join(tmp.root, 'home-x'), kdf: 'test' }));
    expect(again.code).toBe('TOKEN_INVALID');
    expect(again.params.reason).toBe('used');
    // and this home is enrolled already
    expect((await failure(enrollMachine({ url: appl.url, token: await appl.token(), user: 'alice', host: 'PC-ALICE', password: 'x', keychain, home, kdf: 'test' }))).code).toBe('ALREADY_ENROLLED');
  });

  it('backs up to the appliance and restores byte-identical, unlocked by the machine', async () => {
    await withMachine(async (repo, t) => {
      expect(repo.unlockedVia).toBe('appliance-machine');
      const b = await runBackup(repo, { paths: [source.src], home });
      await expectRestoresIdentical(repo, b.snapshotId, source.src, join(tmp.root, 'restored-1'));
      expect((await runVerify(repo, { readData: true })).ok).toBe(true);
      // the report after a backup; the next one only when due (3 hours)
      expect(appl.app!.machines.summaries()[0]!.lastSeen).toBeNull();
      expect(await heartbeatIfDue(t, home, machineStatus(repo), { force: true })).toBe(true);
      expect(await heartbeatIfDue(t, home, machineStatus(repo))).toBe(false);
      expect(appl.app!.machines.summaries()[0]!.lastSeen).not.toBeNull();
    });
    expect(vaultIsWhole(applianceDir)).toBeGreaterThan(3);
  });

  it('a user restores on a new laptop: fresh home, empty keychain, only the password', async () => {
    const newHome = join(tmp.root, 'new-laptop');
    const { url, ca } = await resolvePinnedCa({ home: newHome, url: appl.url, fingerprint });
    const t = await openSessionTarget({ url, ca, role: 'user', user: 'alice', password: USER_PASSWORD });
    try {
      expect(t.machine).toMatchObject({ machineId: ref.machineId, host: 'PC-ALICE' });
      await withRepository(t.store, { home: newHome, credentials: { source: t.source } }, async (repo) => {
        expect(repo.unlockedVia).toBe('appliance-user');
        await expectRestoresIdentical(repo, 'latest', source.src, join(tmp.root, 'restored-user'));
      });
      // a password session reads; only the machine writes
      expect((await failure(t.store.put('data', 'a'.repeat(64), Buffer.alloc(1)))).code).toBe('APPLIANCE_FORBIDDEN');
    } finally {
      t.close();
    }
  });

  it('the administrator restores any machine from a new computer', async () => {
    const adminHome = join(tmp.root, 'admin-pc');
    const { url, ca } = await resolvePinnedCa({ home: adminHome, url: appl.url, fingerprint });
    const t = await openSessionTarget({ url, ca, role: 'admin', password: ADMIN_PASSWORD, machine: 'pc-alice' });
    try {
      await withRepository(t.store, { home: adminHome, credentials: { source: t.source } }, async (repo) => {
        expect(repo.unlockedVia).toBe('appliance-admin');
        await expectRestoresIdentical(repo, 'latest', source.src, join(tmp.root, 'restored-admin'));
      });
    } finally {
      t.close();
    }
  });

  it('the keychain entry alone opens nothing: without the appliance, or with another BEEMO_AES', async () => {
    // Everything this computer holds (home folder, keychain), the appliance out of reach.
    const away = { ...ref, url: `https://127.0.0.1:${await closedPort()}` };
    const e = await failure(withMachine(async () => undefined, { ref: away }));
    expect(e.code).toBe('APPLIANCE_UNREACHABLE');
    const poste = (await keychain.getSecret(posteAccount(ref.machineId)))!;
    expect(() => unlockAsMachine(randomBytes(32), poste, ref.repoId, 'A'.repeat(512))).toThrow(HavreError);
    // SECRET, from the legitimate user path, is nowhere on this computer's disk or in its keychain
    const secret = await userSecret();
    const keys = deriveRepoKeys(secret);
    const needles = [secret, Buffer.from(secret.toString('hex')), Buffer.from(secret.toString('base64')), keys.enc, keys.id];
    expect(filesContaining(home, needles)).toEqual([]);
    for (const account of [posteAccount(ref.machineId), tlsAccount(ref.machineId)]) {
      const v = (await keychain.getSecret(account))!;
      expect(needles.some((n) => v.includes(n))).toBe(false);
    }
  });

  it('the appliance’s data folder alone opens nothing and holds no file content or name in clear', async () => {
    const secret = await userSecret();
    const keys = deriveRepoKeys(secret);
    const needles = [secret, Buffer.from(secret.toString('hex')), Buffer.from(secret.toString('base64')), keys.enc, keys.id, keys.chunker,
      ...source.contents.map((c) => c.subarray(0, 48)), ...source.names.map((n) => Buffer.from(basename(n)))];
    expect(filesContaining(applianceDir, needles)).toEqual([]);
    // What the appliance gives the machine (BEEMO_AES, SECRET_POSTE) opens nothing without the keychain's POSTE_PRIV_AES.
    const t = await openMachineTarget(home, ref, keychain, { tuning: { retry: FAST_RETRY } });
    try {
      const k = await t.client.machineKeys();
      expect(() => unlockAsMachine(Buffer.from(k.beemoAes, 'base64'), randomBytes(2000), ref.repoId, k.secretPoste)).toThrow(HavreError);
    } finally {
      t.close();
    }
  });

  describe('an interceptor (MITM) is refused and sent nothing', () => {
    let rogue: TestServer;
    let genuineCaRogue: TestServer;
    beforeAll(async () => {
      const other = await createTestCa('Interceptor');
      const cert = await other.issue({});
      rogue = await startServer(cert, (_r, res) => res.end(other.certPem));
      // the right host with a different CA: it even serves the genuine CA certificate
      genuineCaRogue = await startServer(cert, (_r, res) => res.end(appl.app!.caPem));
    });
    afterAll(async () => {
      await rogue.close();
      await genuineCaRogue.close();
    });

    it('at enrollment: APPLIANCE_CERT_MISMATCH, the token neither sent nor used', async () => {
      for (const s of [rogue, genuineCaRogue]) {
        const token = await appl.token();
        const e = await failure(enrollMachine({ url: s.url, token, user: 'alice', host: 'PC-2', password: 'x', keychain: memoryKeychain(), home: join(tmp.root, 'mitm-home'), kdf: 'test', client: { retry: FAST_RETRY } }));
        expect(e.code).toBe('APPLIANCE_CERT_MISMATCH');
        expect(s.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/ca']);
        expect(s.requests.some((r) => r.body.toString().includes(token.split('.')[2]!))).toBe(false);
        expect(appl.app!.tokens.info(token.split('.')[1]!).state).toBe('active');
        s.requests.length = 0;
      }
    });

    it('daily: a server with another CA at the appliance’s address gets no request', async () => {
      const e = await failure(withMachine(async () => undefined, { ref: { ...ref, url: genuineCaRogue.url } }));
      expect(e.code).toBe('APPLIANCE_CERT_MISMATCH');
      expect(genuineCaRogue.requests).toHaveLength(0);
      // a password session too: the fingerprint pins the CA, the interceptor's does not match
      expect((await failure(resolvePinnedCa({ home: join(tmp.root, 'x'), url: rogue.url, fingerprint }))).code).toBe('APPLIANCE_CERT_MISMATCH');
    });
  });

  it('wrong passwords count down, the 5th locks the account, and then even the right one is refused', async () => {
    const bobHome = join(tmp.root, 'bob');
    await enrollMachine({ url: appl.url, token: await appl.token(), user: 'bob', host: 'PC-BOB', password: 'bob’s password', keychain: memoryKeychain(), home: bobHome, kdf: 'test' });
    const { url, ca } = await resolvePinnedCa({ home: bobHome, url: appl.url, fingerprint });
    const attempt = async (password: string): Promise<HavreError> => failure(openSessionTarget({ url, ca, role: 'user', user: 'bob', password }));
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const e = await attempt(`guess ${i}`);
      seen.push(e.code === 'WRONG_PASSWORD_ATTEMPTS' ? `remaining ${e.params.remaining}` : e.code);
    }
    expect(seen).toEqual(['remaining 4', 'remaining 3', 'remaining 2', 'remaining 1', 'LOCKED_OUT']);
    const sixth = await attempt('bob’s password');
    expect(sixth.code).toBe('LOCKED_OUT');
    expect(Date.parse(String(sixth.params.until))).toBeGreaterThan(Date.now());
    expect(sixth.userMessage('fr')).toMatch(/bloqué jusqu’à/);
  });

  it('the appliance stops mid-backup: the rest waits in the spool, is sent on the next run, and the snapshot restores', async () => {
    const src2 = makeSource(join(tmp.root, 'stop'), { bigMiB: 36 });
    let stopped = false;
    const result = await withMachine(async (repo, t) => {
      const remote = t.store.remote;
      const put = remote.put.bind(remote);
      remote.put = async (kind: ObjectKind, name: string, bytes: Uint8Array) => {
        await put(kind, name, bytes);
        if (kind === 'data' && !stopped) {
          stopped = true;
          await appl.stop(); // after the first pack landed
        }
      };
      const b = await runBackup(repo, { paths: [src2.src], home });
      return { b, pending: await t.store.pending(), offline: t.store.lastUnreachable };
    });
    expect(stopped).toBe(true);
    expect(result.offline?.code).toBe('APPLIANCE_UNREACHABLE');
    // Uploads already under way when it stopped were finished (a graceful stop); what came after
    // waits: at least the tree pack, the index and the snapshot, in that order.
    expect(result.pending.objects).toBeGreaterThanOrEqual(3);
    const waiting = readdirSync(join(home, 'spool', ref.machineId)).filter((f) => /^\d{12}\./.test(f)).sort().map((f) => f.split('.')[2]);
    expect(waiting.slice(-2)).toEqual(['index', 'snapshots']);
    // spooled files hold sealed repository objects only: no plaintext content or name
    const spool = join(home, 'spool', ref.machineId);
    expect(filesContaining(spool, [...src2.contents.map((c) => c.subarray(0, 48)), Buffer.from('rapport-confidentiel')])).toEqual([]);

    appl = await startInProcess(applianceDir, port);
    await withMachine(async (repo, t) => {
      expect((await t.store.pending()).objects).toBe(0); // drained before opening
      expect(repo.listSnapshots().map((s) => s.id)).toContain(result.b.snapshotId);
      await expectRestoresIdentical(repo, result.b.snapshotId, src2.src, join(tmp.root, 'restored-after-stop'));
    });
    expect(readdirSync(spool).filter((f) => /^\d{12}\./.test(f))).toEqual([]);
  });

  it('the appliance is killed (SIGKILL) mid-upload: nothing half-written is visible, and the client resumes', async () => {
    await appl.stop();
    const child = await startChild(applianceDir, port);
    const src3 = makeSource(join(tmp.root, 'kill'), { bigMiB: 40 });
    const tmpDir = join(applianceDir, 'objects', '.tmp');
    // Slow uploads down so the kill surely lands inside one: 6 MiB/s, ~7 s for the whole backup.
    const upload = new Throttle(6 * 1024 * 1024);
    let killed = false;
    const dataDir = join(applianceDir, 'objects', ref.machineId, 'data');
    const packsBefore = allFiles(dataDir).length;
    const watcher = (async () => {
      while (!killed) {
        const inFlight = existsSync(tmpDir) && readdirSync(tmpDir).length > 0;
        const landed = allFiles(dataDir).length > packsBefore;
        if (inFlight && landed) {
          await child.kill('SIGKILL');
          killed = true;
        } else await new Promise((r) => setTimeout(r, 20));
      }
    })();
    let snapshotId: string;
    try {
      snapshotId = await withMachine(async (repo) => (await runBackup(repo, { paths: [src3.src], home })).snapshotId, { upload });
    } finally {
      killed = true;
      await watcher;
    }
    expect(child.child.signalCode).toBe('SIGKILL');
    vaultIsWhole(applianceDir); // an upload cut in the middle is nowhere but in .tmp/
    expect((await SpoolingStore.pendingAt(join(home, 'spool', ref.machineId))).objects).toBeGreaterThan(0); // what the kill cut off waits here

    const back = await startChild(applianceDir, port);
    try {
      await withMachine(async (repo) => {
        expect(repo.listSnapshots().map((s) => s.id)).toContain(snapshotId);
        expect((await runVerify(repo, { readData: true })).ok).toBe(true);
        await expectRestoresIdentical(repo, snapshotId, src3.src, join(tmp.root, 'restored-after-kill'));
      });
      vaultIsWhole(applianceDir);
    } finally {
      await back.stop();
    }
    appl = await startInProcess(applianceDir, port); // for afterAll
  });
});

async function userSecret(): Promise<Buffer> {
  const { url, ca } = await resolvePinnedCa({ home: join(tmp.root, 'probe'), url: appl.url, fingerprint });
  const client = new ApplianceClient({ url, ca });
  const src = new UserSecretSource({ client, user: 'alice', password: USER_PASSWORD, machine: ref.machineId });
  try {
    return (await src.unlock(ref.repoId)).secret;
  } finally {
    client.close();
  }
}

async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const p = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return p;
}
