// What each library does at the inotify watch limit. The child runs in a user namespace of its own
// whose max_inotify_watches is lowered (Linux ≥ 5.11: /proc/sys/user is per user namespace), so the
// machine's limit, shared by every process of the user, is never touched.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inotifyWatches, WatcherChild } from './childHandle.js';
import { summarizeErrors } from './measure.js';
import type { Library } from './protocol.js';
import type { LimitScenario } from './results.js';
import type { TreeManifest } from './tree.js';

async function startIn(child: WatcherChild): Promise<{ ready: boolean; startMs: number | null; startError: string | null }> {
  await child.next('loaded', 60_000);
  const ready = child.ask({ cmd: 'start' }, 'ready', 300_000).catch(() => null);
  const failed = child.next('startFailed', 300_000).catch(() => null);
  const first = await Promise.race([ready, failed]);
  if (first?.type === 'ready') return { ready: true, startMs: first.startMs, startError: null };
  return { ready: false, startMs: null, startError: first ? `${first.code ?? ''} ${first.message}`.trim() : 'no answer' };
}

function errorsOf(child: WatcherChild): { errors: string[]; errorCount: number } {
  return { errors: summarizeErrors(child.errors.map((e) => `${e.code ?? ''} ${e.message}`.trim())), errorCount: child.errors.length };
}

async function finish(child: WatcherChild): Promise<{ aliveAfter: boolean; exitedAfterClose: boolean | null }> {
  const aliveAfter = !child.exited;
  let exitedAfterClose: boolean | null = null;
  if (aliveAfter) {
    await child.ask({ cmd: 'close' }, 'closed', 60_000).catch(() => null);
    exitedAfterClose = await child.waitExit(10_000);
  }
  child.kill();
  return { aliveAfter, exitedAfterClose };
}

/** Whether this machine lets us give a child its own inotify limit. */
export async function userNamespacesWork(root: string): Promise<string | null> {
  const child = new WatcherChild('none', root, { inotifyLimit: 100 });
  try {
    await child.next('loaded', 20_000);
    return null;
  } catch (e) {
    return `${e instanceof Error ? e.message : String(e)} ${child.stderr.join(' ')}`.trim();
  } finally {
    child.kill();
  }
}

export async function limitScenarios(lib: Library, root: string, tree: TreeManifest, log: (m: string) => void): Promise<LimitScenario[]> {
  const out: LimitScenario[] = [];
  const treeDirs = tree.dirs.length;

  // How many watches a full watch of this tree takes with this library.
  let full = treeDirs;
  {
    const child = new WatcherChild(lib, root, { inotifyLimit: 1_000_000 });
    const s = await startIn(child);
    if (s.ready) full = inotifyWatches(child.pid);
    await finish(child);
  }

  // 1. The tree needs more watches than allowed.
  {
    const limit = Math.floor(full / 2);
    const child = new WatcherChild(lib, root, { inotifyLimit: limit });
    const s = await startIn(child);
    await sleep(2000);
    const watches = child.exited ? null : inotifyWatches(child.pid);
    const probes = [...tree.dirs.slice(0, 20), ...tree.dirs.slice(-20)].map((d) => join(root, d.path, `fprobe-limit.txt`));
    let reported = 0;
    if (!child.exited) {
      for (const p of probes) writeFileSync(p, 'probe\n');
      await sleep(3000);
      reported = child.exited ? 0 : (await child.ask({ cmd: 'has', paths: probes }, 'has').catch(() => ({ found: 0 }))).found;
    }
    const end = await finish(child);
    for (const p of probes) rmSync(p, { force: true });
    out.push({
      lib,
      scenario: 'below-tree',
      limit,
      treeDirs,
      ...s,
      watches,
      ...errorsOf(child),
      probeWritten: s.ready ? probes.length : 0,
      probeReported: reported,
      ...end,
      note: `a full watch takes ${full} watches here; limit set to half`,
    });
    log(`limit ${lib} below-tree: ${s.ready ? 'ready' : `start failed: ${s.startError ?? ''}`}; ${watches} watches; ${child.errors.length} error notices`);
  }

  // 2. The limit is reached later, as new folders appear.
  {
    const limit = full + 10;
    const child = new WatcherChild(lib, root, { inotifyLimit: limit });
    const s = await startIn(child);
    const probes: string[] = [];
    const dirs: string[] = [];
    if (s.ready) {
      for (let i = 0; i < 50; i++) {
        const d = join(root, `dlimit-${i}`);
        mkdirSync(d);
        dirs.push(d);
        await sleep(100);
        const p = join(d, 'fprobe.txt');
        writeFileSync(p, 'probe\n');
        probes.push(p);
      }
      await sleep(3000);
    }
    const watches = child.exited ? null : inotifyWatches(child.pid);
    const reported = s.ready && !child.exited ? (await child.ask({ cmd: 'has', paths: probes }, 'has').catch(() => ({ found: 0 }))).found : 0;
    const end = await finish(child);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    out.push({
      lib,
      scenario: 'reached-later',
      limit,
      treeDirs,
      ...s,
      watches,
      ...errorsOf(child),
      probeWritten: probes.length,
      probeReported: reported,
      ...end,
      note: `a full watch takes ${full} watches; limit set 10 above it, then 50 new folders each get a file (100 ms apart)`,
    });
    log(`limit ${lib} reached-later: ${reported}/${probes.length} files in new folders reported; ${child.errors.length} error notices`);
  }
  return out;
}
