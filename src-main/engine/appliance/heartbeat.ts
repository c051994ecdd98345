// The machine's report to its appliance (PROTOCOL.md §7): every `nextSeconds` (3 hours), and after
// each backup, so the administrator is alerted about machines that fall silent. Best effort: a
// report that cannot be sent never fails the command that sends it. It carries counts and times,
// never a path or a file name (DESIGN.md §6, invariant 1).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Repository } from '../repo/index.js';
import type { SpoolPending } from '../store/spool/index.js';
import { VERSION } from '../version.js';
import { applianceDir, writePublicFile } from './localFiles.js';
import type { MachineTarget } from './openApplianceRepo.js';
import { HEARTBEAT_SECONDS } from './protocol.js';

export interface MachineStatus {
  readonly lastBackup: { readonly snapshot: string; readonly time: string; readonly files: number; readonly bytes: number } | null;
  readonly snapshots: number;
}

/** What the report says of the repository (read from the catalog, while it is open). */
export function machineStatus(repo: Repository): MachineStatus {
  const snaps = repo.listSnapshots();
  const last = snaps.at(-1);
  return { snapshots: snaps.length, lastBackup: last ? { snapshot: last.id, time: last.time, files: last.summary.files ?? 0, bytes: last.summary.bytes ?? 0 } : null };
}

function stampFile(home: string, t: MachineTarget): string {
  return join(applianceDir(home, t.ref.applianceId), `${t.ref.machineId}.heartbeat.json`);
}

/**
 * Sends the report when one is due (or `force`, after a backup). Returns whether it was sent.
 */
export async function heartbeatIfDue(t: MachineTarget, home: string, status: MachineStatus | null, opts: { force?: boolean; spool?: SpoolPending; now?: number } = {}): Promise<boolean> {
  const now = opts.now ?? Date.now();
  try {
    if (!opts.force) {
      const last = JSON.parse(await readFile(stampFile(home, t), 'utf8').catch(() => '{}')) as { time?: number; nextSeconds?: number };
      const every = (typeof last.nextSeconds === 'number' && last.nextSeconds > 0 ? last.nextSeconds : HEARTBEAT_SECONDS) * 1000;
      if (typeof last.time === 'number' && now < last.time + every) return false;
    }
    const r = await t.client.heartbeat({
      status: { client: `havre ${VERSION}`, ...(status ?? {}), ...(opts.spool ? { waiting: { objects: opts.spool.objects, bytes: opts.spool.bytes, since: opts.spool.since } } : {}) },
      config: { platform: process.platform },
    });
    await writePublicFile(stampFile(home, t), `${JSON.stringify({ time: now, nextSeconds: r.nextSeconds })}\n`);
    return true;
  } catch {
    return false; // the next command tries again
  }
}
