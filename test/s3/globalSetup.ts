// A real S3 server for the run: Ceph radosgw (one monitor, one memstore OSD) on 127.0.0.1, plain
// HTTP and HTTPS, started by test/fixtures/s3/up.sh in a fresh folder and stopped by down.sh.
// Tests reach it through test/s3/helpers.ts. About 2-3 s to start, ~110 MB of RAM while it runs.
//
// A run that was killed leaves its daemons behind: the watchdog started here stops them as soon as
// this process is gone, and the next run's setup stops any whose owner is dead (by the PID files of
// their folder, checked against each process's command line: never anything else).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { createTestCa } from '../unit/appliance-client/pki.js';
import type { S3Fixture } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/s3/', import.meta.url));
const UP = join(FIXTURE, 'up.sh');
const DOWN = join(FIXTURE, 'down.sh');
const PREFIX = 'havre-s3-';
const BINARIES = ['radosgw', 'radosgw-admin', 'ceph-mon', 'ceph-osd', 'ceph', 'monmaptool'];

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops the fixtures of earlier runs whose vitest process is gone. */
async function reapStale(): Promise<void> {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const root = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(root, 'owner.pid'), 'utf8'));
    } catch {
      continue; // not made by this setup, or being made right now
    }
    if (owner > 0 && alive(owner)) continue;
    await run('bash', [DOWN], { BASE: join(root, 'ceph') }, 30_000);
    rmSync(root, { recursive: true, force: true });
  }
}

function listenOn(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

/** Free ports for the gateway (HTTP, HTTPS) and a pair port, port+1 for the monitor. */
async function freePorts(): Promise<{ mon: number; http: number; https: number }> {
  const held: Server[] = [];
  try {
    const any = async (): Promise<number> => {
      const s = await listenOn(0);
      if (!s) throw new Error('cannot bind 127.0.0.1');
      held.push(s);
      return (s.address() as AddressInfo).port;
    };
    let mon = 0;
    for (let i = 0; i < 50 && !mon; i++) {
      const p = await any();
      const next = await listenOn(p + 1);
      if (next) {
        held.push(next);
        mon = p;
      }
    }
    if (!mon) throw new Error('no two consecutive free ports for the Ceph monitor');
    return { mon, http: await any(), https: await any() };
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

function logTail(base: string): string {
  const dir = join(base, 'log');
  if (!existsSync(dir)) return '';
  return readdirSync(dir).map((f) => {
    const lines = readFileSync(join(dir, f), 'utf8').trimEnd().split('\n');
    return `--- ${f}\n${lines.slice(-15).join('\n')}`;
  }).join('\n');
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const missing = BINARIES.filter((b) => !onPath(b));
  if (missing.length) {
    throw new Error(`S3 tests need Ceph radosgw (missing: ${missing.join(', ')}): run scripts/setup.sh as root (Debian packages radosgw ceph-mon ceph-osd ceph-common)`);
  }
  await reapStale();

  const root = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(root, 'owner.pid'), String(process.pid));
  const base = join(root, 'ceph');
  // If this process dies without its teardown, stop the daemons at once (a detached shell: it
  // outlives a killed process group; the teardown ends it).
  const watchdog = spawn('bash', ['-c', 'while kill -0 "$OWNER" 2>/dev/null; do sleep 1; done; bash "$DOWN" >/dev/null 2>&1; rm -rf "$ROOT"'], {
    detached: true, stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OWNER: String(process.pid), DOWN, ROOT: root, BASE: base },
  });
  watchdog.unref();

  const stop = async (): Promise<void> => {
    if (watchdog.pid) {
      try {
        process.kill(watchdog.pid);
      } catch {
        // already gone
      }
    }
    await run('bash', [DOWN], { BASE: base }, 30_000);
    rmSync(root, { recursive: true, force: true });
  };

  try {
    const ca = await createTestCa('Havre S3 test CA');
    const server = await ca.issue({ names: ['127.0.0.1', 'localhost'], cn: '127.0.0.1' });
    const tlsCert = join(root, 'rgw.crt');
    const tlsKey = join(root, 'rgw.key');
    writeFileSync(tlsCert, server.certPem);
    writeFileSync(tlsKey, server.keyPem, { mode: 0o600 });

    const ports = await freePorts();
    const accessKeyId = `HAVRE${randomBytes(8).toString('hex').toUpperCase()}`.slice(0, 20);
    const secretAccessKey = randomBytes(30).toString('base64url').slice(0, 40);
    const r = await run('bash', [UP], {
      BASE: base, MON_PORT: String(ports.mon), RGW_PORT: String(ports.http), HTTPS_PORT: String(ports.https),
      TLS_CERT: tlsCert, TLS_KEY: tlsKey, ACCESS_KEY: accessKeyId, SECRET_KEY: secretAccessKey,
    }, 90_000);
    if (r.code !== 0) throw new Error(`S3 fixture (test/fixtures/s3/up.sh) failed with ${r.code}:\n${r.out}\n${logTail(base)}`);

    const fixture: S3Fixture = {
      endpoint: `http://127.0.0.1:${ports.http}`,
      httpsEndpoint: `https://127.0.0.1:${ports.https}`,
      caPem: ca.certPem,
      region: 'us-east-1',
      accessKeyId,
      secretAccessKey,
      confPath: join(base, 'ceph.conf'),
    };
    project.provide('s3', fixture);
  } catch (e) {
    await stop();
    throw e;
  }
  return stop;
}
