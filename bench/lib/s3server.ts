// One local S3 server for a whole bench run: Ceph radosgw from Debian (one monitor, one OSD, no
// mgr, the gateway on 127.0.0.1, plain HTTP), brought up by the project's own fixture
// (test/fixtures/s3/up.sh) in the work folder and stopped by its down.sh at the end — also when the
// run fails or is interrupted (an exit hook), or when the harness is killed outright (a detached
// watchdog, as test/s3/globalSetup.ts does). Each S3 tool gets a fresh bucket per run.
//
// The daemons are not children of the measured tools: their memory is never in a tool's peak RSS,
// and their CPU time is sampled here and reported on its own (not as the tool's, not as "other load").
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { capture } from '../tools/exec.js';
import { freePort, freePortPair } from './net.js';
import { readCpuMs, readStatus } from './proc.js';
import { firstLine } from './util.js';

// The SDK warns once per process that Node 20 support ends; it reads this when a client is made.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * bluestore (default): objects on a sparse file in the work folder; memstore: in the OSD's RAM.
 * Measured on this machine (256 MiB corpus, havre-s3 and restic-s3, --runs 3 per backend, same
 * shared 2-CPU VM): the same throughput within the run-to-run noise (Havre backup 12.9–14.6 vs
 * 13.2–14.0 MiB/s, restic restore 26.6–31.9 vs 27.4–45.3; the clients are CPU-bound, not the
 * store) and the same server CPU, but memstore's OSD grew to 2.3 GiB RSS (≈ 2.1× the bytes stored,
 * growing with --runs) where BlueStore's stayed at 173 MiB. BlueStore is also the fairer peer of
 * the fs repositories: its data is on the same disk, a write is acknowledged once durable (the fs
 * tools pay a `sync`), and reads after the page-cache drop come from disk (direct I/O: the block
 * file never enters the page cache; its own cache is 128 MiB). memstore starts faster (2.5 vs 7 s,
 * unmeasured either way).
 */
export type S3Backend = 'bluestore' | 'memstore';
export const S3_BACKENDS: readonly S3Backend[] = ['bluestore', 'memstore'];

/** What the report says about the server (docs/benchmarks.json `s3Server`). */
export interface S3ServerInfo {
  /** `radosgw --version`, first line */
  software: string | null;
  backend: S3Backend;
  /** bluestore: size of the sparse block file; memstore: the store's capacity */
  capacityBytes: number;
  /** where the OSD keeps its objects */
  dataPath: string;
  endpoint?: string;
  /** up.sh, from an empty folder to the first answer (unmeasured, before any step) */
  startMs?: number;
  /** VmHWM of each daemon, read just before stopping */
  peakRssBytes?: { radosgw: number; osd: number; monitor: number };
  /** user + system CPU time of the three daemons over the whole run */
  cpuMs?: number;
  /** why the server could not be started (the S3 tools are then "not available") */
  error?: string;
}

type Daemon = 'radosgw' | 'osd' | 'monitor';
const PID_FILES: Record<Daemon, string> = { radosgw: 'client.rgw.pid', osd: 'osd.0.pid', monitor: 'mon.a.pid' };

export class S3Server {
  readonly region = 'us-east-1';
  /** The fixture's S3 user; tools get it through their environment, never argv. */
  readonly accessKeyId = `BENCH${randomBytes(8).toString('hex').toUpperCase()}`.slice(0, 20);
  readonly secretAccessKey = randomBytes(30).toString('base64url').slice(0, 40);
  readonly info: S3ServerInfo;
  private started: Promise<string> | null = null;
  private client: S3Client | null = null;
  private watchdog: ChildProcess | null = null;
  private pids: Partial<Record<Daemon, number>> = {};
  private running = false;
  private readonly up: string;
  private readonly down: string;
  private readonly exitHook = (): void => this.stopSync();

  constructor(private readonly o: { root: string; base: string; backend: S3Backend; capacityBytes: number }) {
    this.up = join(o.root, 'test', 'fixtures', 's3', 'up.sh');
    this.down = join(o.root, 'test', 'fixtures', 's3', 'down.sh');
    this.info = {
      software: null,
      backend: o.backend,
      capacityBytes: o.capacityBytes,
      dataPath: o.backend === 'bluestore' ? join(o.base, 'osd.0', 'block.file') : 'OSD memory',
    };
  }

  /** Starts the server once; every call gets the same endpoint, or the same error. */
  start(): Promise<string> {
    this.started ??= this.doStart().catch((e: unknown) => {
      this.info.error = e instanceof Error ? e.message : String(e);
      throw e;
    });
    return this.started;
  }

  private async doStart(): Promise<string> {
    const v = await capture('radosgw', ['--version']);
    if (!v.ok) throw new Error('Ceph radosgw is not installed (scripts/setup.sh installs radosgw ceph-mon ceph-osd ceph-common)');
    // "ceph version 16.2.15 (618f…) pacific (stable)" → "Ceph radosgw 16.2.15 (pacific)"
    const m = /ceph version (\S+) \(\w+\) (\w+)/.exec(v.out);
    this.info.software = m ? `Ceph radosgw ${m[1]} (${m[2]})` : firstLine(v.out);
    // A killed earlier run may have left daemons in this folder: down.sh stops those it can prove
    // are its own (their command line names this folder's ceph.conf) and removes the folder.
    await capture('bash', [this.down], { ...process.env, BASE: this.o.base }, undefined, 30_000);
    const mon = await freePortPair();
    const rgw = await freePort();
    this.watchdog = spawn('bash', ['-c', 'while kill -0 "$OWNER" 2>/dev/null; do sleep 1; done; bash "$DOWN" >/dev/null 2>&1'], {
      detached: true,
      stdio: 'ignore',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OWNER: String(process.pid), DOWN: this.down, BASE: this.o.base },
    });
    this.watchdog.unref();
    process.once('exit', this.exitHook);
    this.running = true;
    const t0 = process.hrtime.bigint();
    const r = await capture('bash', [this.up], {
      ...process.env,
      BASE: this.o.base,
      MON_PORT: String(mon),
      RGW_PORT: String(rgw),
      OBJECTSTORE: this.o.backend,
      MEM_BYTES: String(this.o.capacityBytes),
      ACCESS_KEY: this.accessKeyId,
      SECRET_KEY: this.secretAccessKey,
    }, undefined, 120_000);
    if (!r.ok) {
      const why = r.err.trim().split('\n').pop() || r.out.trim().split('\n').pop() || 'no output';
      await this.stop({ keep: true }); // its logs stay in the folder until the next run
      throw new Error(`test/fixtures/s3/up.sh failed: ${why} (logs in ${join(this.o.base, 'log')})`);
    }
    this.info.startMs = Number(process.hrtime.bigint() - t0) / 1e6;
    for (const [d, f] of Object.entries(PID_FILES) as [Daemon, string][]) {
      const pid = Number(readFileSync(join(this.o.base, 'run', f), 'utf8').trim());
      if (pid > 0) this.pids[d] = pid;
    }
    const endpoint = `http://127.0.0.1:${rgw}`;
    this.info.endpoint = endpoint;
    this.client = new S3Client({
      endpoint,
      region: this.region,
      forcePathStyle: true,
      credentials: { accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
    return endpoint;
  }

  /** A new empty bucket for one tool's run; with Object Lock (hence versioning) when `lock`. */
  async createBucket(tool: string, opts: { lock: boolean }): Promise<string> {
    await this.start();
    const name = `bench-${tool}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`.slice(0, 63);
    await this.s3().send(new CreateBucketCommand({ Bucket: name, ...(opts.lock ? { ObjectLockEnabledForBucket: true } : {}) }));
    return name;
  }

  /** What a bucket holds: every object version (noncurrent ones included: they are stored too). */
  async bucketUsage(bucket: string): Promise<{ apparentBytes: number; files: number }> {
    let bytes = 0;
    let versions = 0;
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (;;) {
      const page = await this.s3().send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
      for (const v of page.Versions ?? []) {
        bytes += v.Size ?? 0;
        versions++;
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
    return { apparentBytes: bytes, files: versions };
  }

  /** CPU time (user + system) the daemons have used so far, ms; undefined when not running. */
  cpuMs(): number | undefined {
    if (!this.running || !this.client) return undefined;
    let sum = 0;
    for (const pid of Object.values(this.pids)) sum += readCpuMs(pid) ?? 0;
    return sum;
  }

  /** Stops the daemons (down.sh) and removes the folder unless `keep`; safe to call twice. */
  async stop(opts: { keep?: boolean } = {}): Promise<S3ServerInfo> {
    if (!this.running) return this.info;
    this.snapshot();
    this.running = false;
    process.removeListener('exit', this.exitHook);
    this.client?.destroy();
    this.client = null;
    this.killWatchdog();
    await capture('bash', [this.down], { ...process.env, BASE: this.o.base, KEEP: opts.keep ? '1' : '0' }, undefined, 30_000);
    return this.info;
  }

  /** On process exit (failure, Ctrl-C): nothing asynchronous runs any more. */
  private stopSync(): void {
    if (!this.running) return;
    this.running = false;
    this.killWatchdog();
    spawnSync('bash', [this.down], { env: { ...process.env, BASE: this.o.base }, stdio: 'ignore', timeout: 30_000 });
  }

  private killWatchdog(): void {
    const pid = this.watchdog?.pid;
    this.watchdog = null;
    if (!pid) return;
    try {
      process.kill(pid);
    } catch {
      // already gone
    }
  }

  private snapshot(): void {
    const hwm = (d: Daemon): number => {
      const pid = this.pids[d];
      return pid ? (readStatus(pid)?.hwm ?? 0) : 0;
    };
    if (this.pids.radosgw) this.info.peakRssBytes = { radosgw: hwm('radosgw'), osd: hwm('osd'), monitor: hwm('monitor') };
    this.info.cpuMs = this.cpuMs();
  }

  private s3(): S3Client {
    if (!this.client) throw new Error('the S3 server is not running');
    return this.client;
  }
}
