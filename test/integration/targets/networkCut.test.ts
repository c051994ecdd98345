// Issue 4's "done when": both targets together (this machine's repository on the reference
// appliance, over real mutual TLS, and a copy in an Object Lock bucket on the real radosgw) survive
// the network to one of them being cut in the middle of a backup and coming back: no object lost,
// none duplicated, nothing counted complete that is not, the lagging target catches up, and restore
// works from either. Through the real `havre` CLI and the real OS keychain (scripts/with-keyring.sh).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpFaultProxy, TcpProxy } from '../../helpers/faultProxy.js';
import { createBucket, s3Fixture } from '../../s3/helpers.js';
import { allFiles, initAppliance, startInProcess, USER_PASSWORD, type RunningAppliance } from '../appliance-client/helpers.js';
import {
  addArgs, expectBucketClean, expectRestored, folderObjects, havreFor, makeTree, ok, ofKind, pendingOf, s3Env, snapshotIds, tempRoot, waitFor,
  type BackupDoc, type Havre, type SyncDoc, type VerifyDoc,
} from './helpers.js';

const haveBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);
if (!haveBus && process.env.CI) throw new Error('CI must run the tests inside scripts/with-keyring.sh');
if (!haveBus) console.warn('network-cut tests skipped: no D-Bus session for the OS keychain (run through scripts/with-keyring.sh)');

const PREFIX = 'pc-1/';

/** Enrolls a fresh machine with the appliance at `url`, then adds the bucket as a "together" copy at `s3Endpoint`. */
async function enrolledMachine(root: string, appl: RunningAppliance, url: string, bucket: string, s3Endpoint: string): Promise<{ havre: Havre; machineId: string }> {
  const env = { HAVRE_HOME: join(root, 'home'), HAVRE_INSECURE_TEST_KDF: '1', ...s3Env() };
  const havre = havreFor(env);
  const e = await ok(havre, ['enroll', '--appliance', url, '--token', await appl.token(), '--user', 'alice', '--password-stdin', '--json'], {}, USER_PASSWORD);
  const machineId = e.json<{ machineId: string }>().machineId;
  const add = await ok(havre, addArgs(bucket, { endpoint: s3Endpoint, prefix: PREFIX }));
  expect(add.json()).toMatchObject({ target: 'cloud', role: 'copy', timing: 'together' });
  return { havre, machineId };
}

/** A tree worth several 16 MiB packs: 40 files of 1–2 MiB of random bytes, and small ones. */
function bigTree(dir: string): string {
  return makeTree(dir, { big: 40, minKiB: 1024, maxKiB: 2048, small: 20 });
}

describe.skipIf(!haveBus)('appliance + cloud copy: the network to the cloud is cut mid-backup', () => {
  const tmp = tempRoot('havre-cut-cloud-');
  let appl: RunningAppliance;
  let proxy: HttpFaultProxy;
  let bucket: string;
  let m: { havre: Havre; machineId: string };
  let small: string;
  let big: string;
  let s1: string;
  let s2: string;
  let dataAfterS1: number;
  const applianceObjects = (): Set<string> => folderObjects(join(appl.dir, 'objects', m.machineId));
  const bucketObjects = (): Promise<Set<string>> => expectBucketClean(bucket, PREFIX);

  beforeAll(async () => {
    const { dir } = await initAppliance(tmp.root);
    appl = await startInProcess(dir);
    proxy = await HttpFaultProxy.start(s3Fixture().endpoint);
    bucket = await createBucket({ lock: true });
    m = await enrolledMachine(tmp.root, appl, appl.url, bucket, proxy.url);
    small = makeTree(join(tmp.root, 'small'), { big: 3 });
    s1 = (await ok(m.havre, ['backup', small, '--json'])).json<BackupDoc>().snapshot;
    expect(await pendingOf(m.havre, 'cloud')).toBe(0);
    const afterS1 = await bucketObjects();
    expect([...afterS1].sort()).toEqual([...applianceObjects()].sort());
    dataAfterS1 = ofKind(afterS1, 'data').length;
    big = bigTree(join(tmp.root, 'big'));
  });
  afterAll(async () => {
    await proxy.close();
    await appl.stop().catch(() => undefined);
    tmp.cleanup();
  });

  it('the backup completes on the appliance and says the copy is behind', async () => {
    // The network goes the moment the first pack of this backup has reached the bucket (at the
    // proxy, not at a later poll: on an idle machine the other packs follow within milliseconds).
    const dataPutsDone = (): number => proxy.requests.filter((r) => r.method === 'PUT' && r.path.includes('/data/') && r.status === 200).length;
    let cut = false;
    proxy.onDelivered = (rec) => {
      if (cut || rec.method !== 'PUT' || !rec.path.includes('/data/') || rec.status !== 200 || dataPutsDone() <= dataAfterS1) return;
      proxy.down();
      cut = true;
    };
    const t0 = Date.now();
    const r = await m.havre(['backup', big, '--json']);
    const took = Date.now() - t0;
    proxy.onDelivered = null;
    expect(cut).toBe(true);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json<BackupDoc>();
    s2 = doc.snapshot;
    expect(doc).toMatchObject({ offline: false, spool: { objects: 0 } });
    expect(r.stderr).toMatch(/The copy on cloud is behind: \d+ object\(s\) \(.*\) wait on this computer.s list and will be sent at the next run\. The cloud storage at .* cannot be reached/);
    console.info(`backup with the cloud cut: ${took} ms`);

    // The appliance has the whole snapshot; the bucket has some of the packs, and not the snapshot.
    const onAppliance = applianceObjects();
    expect(onAppliance.has(`snapshots/${s2}`)).toBe(true);
    expect(await pendingOf(m.havre, 'cloud')).toBeGreaterThan(0);
  });

  it('while the copy lags, the bucket never holds the snapshot, and what it holds verifies', async () => {
    proxy.up();
    const inBucket = await bucketObjects();
    const onAppliance = applianceObjects();
    expect(inBucket.has(`snapshots/${s2}`)).toBe(false);
    expect(ofKind(inBucket, 'data').length).toBeGreaterThan(dataAfterS1); // some packs of the big backup went before the cut
    expect([...inBucket].every((o) => onAppliance.has(o))).toBe(true); // nothing there the repository does not have
    expect(ofKind(inBucket, 'data').length).toBeLessThan(ofKind(onAppliance, 'data').length); // the cut really was mid-backup
    expect(await snapshotIds(m.havre, ['--target', 'cloud'])).toEqual([s1]);
    expect(await snapshotIds(m.havre, ['--target', 'appliance'])).toEqual([s1, s2].sort());
    const v = await ok(m.havre, ['verify', '--target', 'cloud', '--read-data', '--json']);
    expect(v.json<VerifyDoc>()).toMatchObject({ ok: true, snapshots: 1, problems: [] });
  });

  it('with the network back, target sync brings the copy up to date: nothing lost, nothing twice', async () => {
    const r = await ok(m.havre, ['target', 'sync', '--json']);
    const doc = r.json<SyncDoc>();
    expect(doc.ok).toBe(true);
    expect(doc.targets).toEqual([expect.objectContaining({ target: 'cloud', pending: 0, error: null })]);
    expect(doc.targets[0]!.sent).toBeGreaterThan(1);
    expect(await pendingOf(m.havre, 'cloud')).toBe(0);

    const inBucket = await bucketObjects(); // one version per key: nothing sent twice
    expect([...inBucket].sort()).toEqual([...applianceObjects()].sort());
    expect(inBucket.has(`snapshots/${s2}`)).toBe(true);
    const [cloud, appliance] = await Promise.all([snapshotIds(m.havre, ['--target', 'cloud']), snapshotIds(m.havre, ['--target', 'appliance'])]);
    expect(cloud).toEqual([s1, s2].sort());
    expect(appliance).toEqual(cloud);
    const v = await ok(m.havre, ['verify', '--target', 'cloud', '--read-data', '--json']);
    expect(v.json<VerifyDoc>()).toMatchObject({ ok: true, snapshots: 2, problems: [] });
  });

  it('restore works from either target, byte for byte', async () => {
    await expectRestored(m.havre, s2, big, join(tmp.root, 'out-cloud'), { args: ['--from', 'cloud'] });
    await expectRestored(m.havre, s2, big, join(tmp.root, 'out-appliance'), { args: ['--from', 'appliance'] });
    await expectRestored(m.havre, s1, small, join(tmp.root, 'out-s1-cloud'), { args: ['--from', 'cloud'] });
  });
});

describe.skipIf(!haveBus)('appliance + cloud copy: the network to the appliance is cut mid-backup', () => {
  const tmp = tempRoot('havre-cut-appliance-');
  let appl: RunningAppliance;
  let tcp: TcpProxy;
  let bucket: string;
  let m: { havre: Havre; machineId: string };
  let big: string;
  let s1: string;
  let s2: string;
  const applianceObjects = (): Set<string> => folderObjects(join(appl.dir, 'objects', m.machineId));
  const bucketObjects = (): Promise<Set<string>> => expectBucketClean(bucket, PREFIX);

  beforeAll(async () => {
    const { dir } = await initAppliance(tmp.root);
    appl = await startInProcess(dir);
    tcp = await TcpProxy.start('127.0.0.1', appl.port);
    bucket = await createBucket({ lock: true });
    // Enrolled through the proxy: every byte between this machine and its appliance crosses it.
    m = await enrolledMachine(tmp.root, appl, `https://127.0.0.1:${tcp.port}`, bucket, s3Fixture().endpoint);
    const small = makeTree(join(tmp.root, 'small'), { big: 3 });
    s1 = (await ok(m.havre, ['backup', small, '--json'])).json<BackupDoc>().snapshot;
    expect([...(await bucketObjects())].sort()).toEqual([...applianceObjects()].sort());
    big = bigTree(join(tmp.root, 'big'));
  });
  afterAll(async () => {
    await tcp.close();
    await appl.stop().catch(() => undefined);
    tmp.cleanup();
  });

  it('the backup completes (what the appliance lacks waits in the local spool) and the cloud copy is complete', async () => {
    const packs = join(appl.dir, 'objects', m.machineId, 'data');
    const before = allFiles(packs).length;
    let cut = false;
    const watcher = waitFor(() => allFiles(packs).length > before, 'a pack of the big backup on the appliance', 110_000).then(() => {
      tcp.down();
      cut = true;
    });
    const r = await m.havre(['backup', big, '--json']);
    await watcher;
    expect(cut).toBe(true);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json<BackupDoc>();
    s2 = doc.snapshot;
    expect(doc.offline).toBe(true);
    expect(doc.spool!.objects).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/The appliance at .* cannot be reached .*: \d+ object\(s\) \(.*\) wait on this computer/);
    expect(r.stderr).not.toMatch(/copy on cloud is behind/);

    // The appliance lacks the snapshot (it waits in the spool); the bucket has all of it.
    expect(applianceObjects().has(`snapshots/${s2}`)).toBe(false);
    const inBucket = await bucketObjects();
    expect(inBucket.has(`snapshots/${s2}`)).toBe(true);
    expect(ofKind(inBucket, 'data').length).toBeGreaterThan(ofKind(applianceObjects(), 'data').length);
    expect(await pendingOf(m.havre, 'cloud')).toBe(0);
  });

  it('with the network back, the next run sends the spool; restore from either target, byte for byte', async () => {
    tcp.up();
    const snaps = await ok(m.havre, ['snapshots', '--json']);
    expect(snaps.stderr).toMatch(/Sent \d+ object\(s\) .* that were waiting on this computer to the appliance/);
    expect(snaps.json<{ id: string }[]>().map((s) => s.id).sort()).toEqual([s1, s2].sort());

    const onAppliance = applianceObjects();
    expect(onAppliance.has(`snapshots/${s2}`)).toBe(true);
    const inBucket = await bucketObjects(); // one version per key: nothing sent twice
    expect([...inBucket].sort()).toEqual([...onAppliance].sort());
    const [cloud, appliance] = await Promise.all([snapshotIds(m.havre, ['--target', 'cloud']), snapshotIds(m.havre, ['--target', 'appliance'])]);
    expect(cloud).toEqual([s1, s2].sort());
    expect(appliance).toEqual(cloud);

    await expectRestored(m.havre, s2, big, join(tmp.root, 'out-appliance'), { args: ['--from', 'appliance'] });
    await expectRestored(m.havre, s2, big, join(tmp.root, 'out-cloud'), { args: ['--from', 'cloud'] });
    const v = await ok(m.havre, ['verify', '--read-data', '--json']);
    expect(v.json<VerifyDoc>()).toMatchObject({ ok: true, snapshots: 2, problems: [] });
    const vc = await ok(m.havre, ['verify', '--target', 'cloud', '--json']);
    expect(vc.json<VerifyDoc>()).toMatchObject({ ok: true, snapshots: 2 });
    // A next backup finds both targets whole.
    const again = await ok(m.havre, ['backup', big, '--json']);
    expect(again.json<BackupDoc>()).toMatchObject({ offline: false, spool: { objects: 0 } });
    expect(await pendingOf(m.havre, 'cloud')).toBe(0);
  });
});
