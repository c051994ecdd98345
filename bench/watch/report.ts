// The "File watchers" section of docs/BENCHMARKS.md, from docs/benchmarks-watch.json. Only measured
// figures; medians over the repetitions, with the spread where it matters.
import type { Library } from './protocol.js';
import type { BurstResult, LimitScenario, RepResult, SizeResult, WatchBenchResults } from './results.js';

const NM = 'not measured';
const NAMES: Record<Library, string> = { parcel: '@parcel/watcher', chokidar: 'chokidar', havre: 'Havre FileWatcher', none: 'bare Node (baseline)' };

function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function nums(reps: RepResult[], f: (r: RepResult) => number | null | undefined): number[] {
  return reps.map(f).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

const int = (v: number): string => Math.round(v).toLocaleString('en-US');
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
const ms = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);

function med(reps: RepResult[], f: (r: RepResult) => number | null | undefined, fmt: (v: number) => string): string {
  const m = median(nums(reps, f));
  return m === null ? NM : fmt(m);
}

/** "99,990 of 100,000" for one repetition; every repetition's figure when they differ. */
function reported(reps: RepResult[], pick: (r: RepResult) => BurstResult | null, what: 'files' | 'dirs'): string {
  const bursts = reps.map(pick).filter((b): b is BurstResult => b !== null);
  if (!bursts.length) return NM;
  const got = bursts.map((b) => (what === 'files' ? b.filesReported : b.dirsReported));
  const total = what === 'files' ? (bursts[0]?.files ?? 0) : (bursts[0]?.dirs ?? 0);
  const all = new Set(got).size === 1 ? int(got[0] ?? 0) : got.map(int).join(' / ');
  const lost = Math.max(...got.map((g) => total - g));
  return `${all} of ${int(total)}${lost > 0 ? ` (**${int(lost)} lost** at worst)` : ''}`;
}

/** A library's message without what varies between its copies (paths, counts). */
function shape(message: string): string {
  return message
    .replace(/ \(×\d+\)$/, '')
    .replace(/^(\w+) \1:/, '$1:') // "ENOSPC ENOSPC: …": the code, then a message that starts with it
    .replace(/'[^']*'/g, "'…'")
    .replace(/\/[^\s:'(),]+/g, '…')
    .replace(/\d{3,}/g, 'N');
}

/** Distinct errors and signals a library gave during the repetitions, paths and counts left out. */
function signals(reps: RepResult[]): string {
  const all = new Set(reps.flatMap((r) => r.errors).map(shape));
  return all.size ? [...all].slice(0, 3).map((m) => (m.length > 200 ? `${m.slice(0, 200)}…` : m)).join('; ') : 'none';
}

function sizeSection(s: SizeResult): string {
  const libs = s.libs;
  const col = (f: (reps: RepResult[], lib: Library) => string): string[] => libs.map((l) => f(l.reps, l.lib));
  const watcherOnly = (lib: Library, text: string): string => (lib === 'none' ? '—' : text);
  const rows: [string, string[]][] = [
    ['Start-up: watch called → ready', col((r, lib) => watcherOnly(lib, med(r, (x) => x.startMs, ms)))],
    ['CPU time from process start to ready', col((r) => med(r, (x) => x.cpuToReadyMs, ms))],
    ['RSS after ready (whole process tree)', col((r) => med(r, (x) => x.rssReadyBytes, mib))],
    ['inotify watches', col((r, lib) => watcherOnly(lib, med(r, (x) => x.watches, int)))],
    ['CPU time over the idle minute', col((r) => med(r, (x) => x.idleCpuMs, ms))],
    ['Files written during start-up: reported', col((r, lib) => watcherOnly(lib, r[0]?.preReady ? r.map((x) => `${x.preReady?.reported ?? 0}/${x.preReady?.written ?? 0}`).join(', ') : NM))],
    ['Save → event latency, p50', col((r, lib) => watcherOnly(lib, med(r, (x) => x.latency?.p50Ms, ms)))],
    ['Save → event latency, p95', col((r, lib) => watcherOnly(lib, med(r, (x) => x.latency?.p95Ms, ms)))],
    ['Saves never reported (of 200 per repetition)', col((r, lib) => watcherOnly(lib, r.some((x) => x.latency) ? r.map((x) => x.latency?.missed ?? '?').join(', ') : NM))],
    ['10,000 files modified: reported', col((r, lib) => watcherOnly(lib, reported(r, (x) => x.modify, 'files')))],
    ['100,000 new files in existing folders: reported', col((r, lib) => watcherOnly(lib, reported(r, (x) => x.createInExisting, 'files')))],
    ['100,000 new files in 5,000 new folders: files reported', col((r, lib) => watcherOnly(lib, reported(r, (x) => x.create, 'files')))],
    ['… new folders reported', col((r, lib) => watcherOnly(lib, reported(r, (x) => x.create, 'dirs')))],
    ['… last event after the last write (drain)', col((r, lib) => watcherOnly(lib, med(r, (x) => x.create?.drainMs, ms)))],
    ['… CPU time of the watcher during that burst', col((r, lib) => watcherOnly(lib, med(r, (x) => x.create?.cpuMs, ms)))],
    ['Errors and signals the library gave', col((r, lib) => watcherOnly(lib, signals(r)))],
    ['Peak RSS (sum of each process’s VmHWM)', col((r) => med(r, (x) => x.peakRssBytes, mib))],
    ['Ended by itself after close()', col((r) => (r.every((x) => x.exitedAfterClose === true) ? 'yes' : r.map((x) => String(x.exitedAfterClose)).join(', ')))],
    ['Load average (1 min) at each start', col((r) => r.map((x) => x.loadAvgAtStart.toFixed(2)).join(', '))],
    ['Other processes during the idle minute (CPUs)', col((r) => med(r, (x) => x.idleOtherLoad, (v) => v.toFixed(2)))],
  ];
  const failures = libs.flatMap((l) => l.reps.filter((r) => r.startFailed).map((r) => `${NAMES[l.lib]} rep ${r.rep} did not start: ${shape(r.startFailed ?? '')}`));
  const settings = libs[0]?.settings;
  const head = `| ${['', ...libs.map((l) => NAMES[l.lib])].join(' | ')} |\n|${['', ...libs].map(() => '---').join('|')}|`;
  const body = rows.map(([label, cells]) => `| ${[label, ...cells].map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`).join('\n');
  return [
    `### ${int(s.files)} files in ${int(s.dirs)} folders (deepest ${s.maxDepth} levels)`,
    '',
    `Measured ${libs.map((l) => l.date.slice(0, 16).replace('T', ' ')).filter((d, i, a) => a.indexOf(d) === i).join(', ')} UTC; median of ${settings?.reps ?? '?'} repetitions, libraries interleaved.`,
    '',
    head,
    body,
    ...(failures.length ? ['', `Failures: ${failures.map((f) => f.replace(/\|/g, '\\|')).join(' · ')}`] : []),
  ].join('\n');
}

function limitSection(rows: LimitScenario[]): string {
  if (!rows.length) return 'The inotify-limit scenarios were not run (no user namespaces here, or `--skip-limit`).';
  const what = (r: LimitScenario): string => (r.scenario === 'below-tree' ? `limit ${int(r.limit)}, half what the tree needs` : `limit ${int(r.limit)}, reached by new folders`);
  const lines = rows.map((r) => {
    const start = r.ready ? `ready (${int(r.watches ?? 0)} watches held)` : `start failed: “${r.startError ?? '?'}”`;
    const distinct = [...new Set(r.errors.map(shape))];
    const count = r.errorCount ?? r.errors.length;
    const errors = distinct.length ? `${count.toLocaleString('en-US')} × ${distinct.map((e) => `“${e.length > 220 ? `${e.slice(0, 220)}…` : e}”`).join('; ')}` : '**none**';
    const probes = r.probeWritten ? `${r.probeReported} of ${r.probeWritten}` : '—';
    return `| ${NAMES[r.lib]} | ${what(r)} | ${start} | ${errors} | ${probes} | ${r.aliveAfter ? 'yes' : 'no'} |`.replace(/\n/g, ' ');
  });
  return [
    'Each library on the 10k tree in a user namespace whose `max_inotify_watches` is lowered (the machine’s own limit is left alone). Probe files: written after start in folders the limit leaves unwatched; a reported probe is a file the library still saw.',
    '',
    '| library | scenario | start | errors the library reported | probe files reported | process still usable |',
    '|---|---|---|---|---|---|',
    ...lines,
  ].join('\n');
}

export function renderWatchSection(r: WatchBenchResults): string {
  return `## File watchers

Generated by \`${r.command}\` into [benchmarks-watch.json](benchmarks-watch.json), on the machine below (${r.machine.logicalCpus} CPUs, shared with other work: see the load average rows). Node ${r.versions.node}, @parcel/watcher ${r.versions['@parcel/watcher']}, chokidar ${r.versions.chokidar}; \`fs.inotify.max_user_watches\` ${int(r.inotify.maxUserWatches)}, \`max_queued_events\` ${int(r.inotify.maxQueuedEvents)}.

Each watcher runs alone in a child process, measured from /proc (RSS and CPU time of its process tree: the Havre FileWatcher is two processes, the engine side and its watch host). Every child runs in a user namespace capped at 100,000 inotify watches, so that a watcher that takes one watch per file cannot exhaust the limit every other process of the user shares. The trees are generated (10–30 files per folder, 2–6 subfolders, a few chains 20–40 folders deep). Latency: a write (open, write, close) of an existing file at a random place, then the time until the watcher reports that path, 200 writes 20–60 ms apart. Bursts: written as fast as one process can, then counted once no event came for 5 s. "Reported" counts distinct paths.

${r.sizes.map(sizeSection).join('\n\n')}

### At the inotify watch limit

${limitSection(r.limit)}
`;
}
