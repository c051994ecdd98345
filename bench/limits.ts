// Physical limits of this machine, to read the tools' numbers against: single-core AES-256-GCM and
// SHA-256 in Node's crypto (OpenSSL) on 16 MiB blocks, and sequential disk write (fsync included) and
// read of one file in the work folder (read after dropping the page cache when permitted).
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { dropCaches } from './lib/fsutil.js';
import { machineBusyMs } from './lib/proc.js';
import { MiB, mibPerSec } from './lib/util.js';

export interface Limits {
  blockBytes: number;
  /** CPUs' worth of other work on the machine while the crypto figures were measured */
  otherLoad?: number;
  aes256gcmMiBs: number;
  sha256MiBs: number;
  disk: {
    fileBytes: number;
    writeMiBs: number;
    /** fsync included in the write figure */
    writeMs: number;
    readMiBs: number;
    readMs: number;
    readCold: boolean;
  } | null;
  diskError?: string;
}

const BLOCK = 16 * MiB;
const MIN_MS = 2000;

function measureCpu(fn: (block: Buffer) => void, block: Buffer): number {
  fn(block); // warm-up
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (;;) {
    fn(block);
    bytes += block.length;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= MIN_MS) return mibPerSec(bytes, ms);
  }
}

export function cryptoLimits(): { aes256gcmMiBs: number; sha256MiBs: number } {
  const block = randomBytes(BLOCK);
  const key = randomBytes(32);
  const aes256gcmMiBs = measureCpu((b) => {
    const c = createCipheriv('aes-256-gcm', key, randomBytes(12));
    c.update(b);
    c.final();
    c.getAuthTag();
  }, block);
  const sha256MiBs = measureCpu((b) => {
    createHash('sha256').update(b).digest();
  }, block);
  return { aes256gcmMiBs, sha256MiBs };
}

export async function diskLimits(dir: string, fileBytes: number): Promise<NonNullable<Limits['disk']>> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'sequential.bin');
  const block = randomBytes(BLOCK); // incompressible, in case the file system compresses
  try {
    await dropCaches();
    let t0 = process.hrtime.bigint();
    const w = await open(path, 'w');
    for (let off = 0; off < fileBytes; off += BLOCK) {
      const n = Math.min(BLOCK, fileBytes - off);
      await w.write(block, 0, n, off);
    }
    await w.sync();
    await w.close();
    const writeMs = Number(process.hrtime.bigint() - t0) / 1e6;

    const readCold = await dropCaches();
    const buf = Buffer.allocUnsafe(BLOCK);
    t0 = process.hrtime.bigint();
    const r = await open(path, 'r');
    let total = 0;
    for (;;) {
      const { bytesRead } = await r.read(buf, 0, BLOCK, null);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    await r.close();
    const readMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (total !== fileBytes) throw new Error(`read ${total} bytes, expected ${fileBytes}`);
    return { fileBytes, writeMs, writeMiBs: mibPerSec(fileBytes, writeMs), readMs, readMiBs: mibPerSec(fileBytes, readMs), readCold };
  } finally {
    await unlink(path).catch(() => {});
  }
}

export async function measureLimits(dir: string, fileBytes: number): Promise<Limits> {
  const busy0 = machineBusyMs();
  const own0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const cpu = cryptoLimits();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const own = process.cpuUsage(own0);
  const otherLoad = Math.max(0, machineBusyMs() - busy0 - (own.user + own.system) / 1000) / wallMs;
  const out: Limits = { blockBytes: BLOCK, otherLoad, ...cpu, disk: null };
  try {
    out.disk = await diskLimits(dir, fileBytes);
  } catch (e) {
    out.diskError = (e as Error).message;
  }
  return out;
}
