// A real appliance (the reference server of appliance/) for the client's integration tests: in
// this process, or in a child process that a test can SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Appliance } from '../../../appliance/Appliance.js';
import { openMachineTarget } from '../../../src-main/engine/appliance/index.js';
import { readHomeConfig, type ApplianceRepoRef } from '../../../src-main/engine/home/homeConfig.js';
import { runBackup } from '../../../src-main/engine/jobs/index.js';
import type { Keychain } from '../../../src-main/engine/keychain/index.js';
import { enrollFromPolicy } from '../../../src-main/engine/policy/index.js';
import { withRepository } from '../../../src-main/engine/repo/index.js';

export const ADMIN_PASSWORD = 'admin password for the client tests';
export const USER_PASSWORD = 'alice’s own password';
/** Fast retries: an appliance that is away is declared so in a few milliseconds. */
export const FAST_RETRY = { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 };

export interface RunningAppliance {
  readonly dir: string;
  readonly port: number;
  readonly url: string;
  readonly fingerprint: string;
  /** The in-process appliance (null when it runs in a child process). */
  readonly app: Appliance | null;
  token(): Promise<string>;
  stop(): Promise<void>;
}

/** Creates an appliance's data folder (weak test KDF) and returns it. */
export async function initAppliance(root: string): Promise<{ dir: string; fingerprint: string }> {
  const dir = join(root, 'appliance-data');
  const app = await Appliance.init(dir, { adminPassword: ADMIN_PASSWORD, names: ['localhost', '127.0.0.1'], kdf: 'test' });
  const fingerprint = app.caFingerprint;
  await app.close();
  return { dir, fingerprint };
}

/** Opens the appliance in this process and listens on `port` (0: any free port). */
export async function startInProcess(dir: string, port = 0): Promise<RunningAppliance> {
  const app = await Appliance.open(dir);
  const l = await app.listen({ port, host: '127.0.0.1', onError: (e) => console.error('appliance bug:', e) });
  return {
    dir, port: l.port, url: `https://127.0.0.1:${l.port}`, fingerprint: app.caFingerprint, app,
    token: async () => app.tokens.create().token,
    stop: () => app.close(),
  };
}

const CHILD = fileURLToPath(new URL('./fixtures/applianceProcess.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ChildAppliance extends RunningAppliance {
  readonly child: ChildProcess;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** The appliance in a child process (so a test can kill it outright). Tokens come from a short-lived open. */
export async function startChild(dir: string, port = 0): Promise<ChildAppliance> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`appliance process exited (${code}) before listening`)));
  });
  const { port: p, fingerprint } = JSON.parse(line) as { port: number; fingerprint: string };
  return {
    dir, port: p, url: `https://127.0.0.1:${p}`, fingerprint, app: null, child,
    token: async () => {
      const app = await Appliance.open(dir);
      try {
        return app.tokens.create().token;
      } finally {
        await app.close();
      }
    },
    kill: async (signal) => {
      child.kill(signal);
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A folder of files worth backing up: names in several scripts, a few MiB of random bytes. */
export function makeSource(root: string, opts: { bigMiB?: number } = {}): { src: string; names: string[]; contents: Buffer[] } {
  const src = join(root, 'source');
  mkdirSync(join(src, 'Documents', 'Été 2026'), { recursive: true });
  const names = ['Documents/rapport-confidentiel-q3.txt', 'Documents/Été 2026/photo-plage-αβγ.raw', 'notes.md'];
  const contents = [Buffer.from('TOP SECRET quarterly figures: revenue 12,345,678 EUR\n'.repeat(50)), randomBytes(300_000), Buffer.from('# notes\nthe wifi password is hunter2\n')];
  names.forEach((n, i) => writeFileSync(join(src, n), contents[i]!));
  if (opts.bigMiB) {
    const big = randomBytes(opts.bigMiB * 1024 * 1024);
    writeFileSync(join(src, 'big.bin'), big);
    names.push('big.bin');
    contents.push(big);
  }
  return { src, names, contents };
}

/**
 * A machine IT enrolled silently from its policy (so no one knows its restore password), with one
 * backup of a `makeSource` folder made under `root`, sent to the appliance.
 */
export async function silentlyEnrolledWithBackup(appl: RunningAppliance, root: string, m: { home: string; keychain: Keychain; user: string; host: string }):
  Promise<{ ref: ApplianceRepoRef; source: ReturnType<typeof makeSource> }> {
  const o = await enrollFromPolicy({ home: m.home, policy: { version: 1, appliance: { url: appl.url, enrollToken: await appl.token() } }, keychain: m.keychain,
    user: m.user, host: m.host, kdf: 'test', client: { retry: FAST_RETRY } });
  if (o.state !== 'enrolled') throw new Error(`silent enrollment: ${o.state}`);
  const ref = (await readHomeConfig(m.home)).repo as ApplianceRepoRef;
  const source = makeSource(root);
  const target = await openMachineTarget(m.home, ref, m.keychain, { tuning: { retry: FAST_RETRY } });
  try {
    await withRepository(target.store, { home: m.home, credentials: { source: target.source } }, (repo) => runBackup(repo, { paths: [source.src], home: m.home }));
    await target.store.drain();
  } finally {
    target.close();
  }
  return { ref, source };
}

/** Every regular file below `dir` (for scanning a data folder for leaks). */
export function allFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Files under `dir` that contain any of the needles (raw bytes). */
export function filesContaining(dir: string, needles: readonly Buffer[]): string[] {
  return allFiles(dir).filter((f) => {
    const b = readFileSync(f);
    return needles.some((n) => n.length > 0 && b.includes(n));
  });
}

export function tempRoot(prefix: string): { root: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
