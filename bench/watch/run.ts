// File watchers side by side: @parcel/watcher and chokidar (and a bare Node child as baseline) on
// generated trees, each watcher in a process of its own measured from /proc.
//
//   npm run bench:watch -- [--sizes 10k,100k,1m] [--libs parcel,chokidar,none] [--reps 3]
//                          [--idle 60] [--latency-writes 200] [--modify 10000] [--create 100000]
//                          [--work DIR] [--out DIR] [--seed S] [--skip-limit] [--limit-only]
//
// Results go to OUT/benchmarks-watch.json (sizes measured in this run replace the same sizes of an
// earlier run, so the 1M tree can be measured on its own), and OUT/BENCHMARKS.md is rewritten from
// OUT/benchmarks.json when it exists (its "File watchers" section comes from the watch results).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { machineInfo } from '../machine.js';
import { log, repoRoot } from '../lib/util.js';
import { writeReport } from '../report.js';
import type { BenchResults } from '../results.js';
import { limitScenarios, userNamespacesWork } from './limit.js';
import { measureRep, type RepSettings } from './measure.js';
import { LIBRARIES, type Library } from './protocol.js';
import { WATCH_RESULTS_SCHEMA, type LimitScenario, type SizeResult, type WatchBenchResults, type WatchSettings } from './results.js';
import { ensureTree } from './tree.js';

interface Options {
  sizes: number[];
  libs: Library[];
  reps: number;
  work: string;
  out: string;
  seed: string;
  skipLimit: boolean;
  limitOnly: boolean;
  settings: RepSettings;
  createFiles: number;
}

const USAGE = `usage: npm run bench:watch -- [options]
  --sizes LIST          tree sizes in files, e.g. 10k,100k,1m (default 10k,100k)
  --libs LIST           subset of ${LIBRARIES.join(',')} (default: all; none = a bare Node child)
  --reps N              repetitions, interleaved between libraries (default 3; the report shows medians)
  --idle S              seconds of idle CPU measurement (default 60)
  --latency-writes N    writes for the latency percentiles (default 200)
  --modify N            files modified in the modify burst (default 10000)
  --create N            files created in the create burst, 20 per new folder (default 100000)
  --work DIR            where the trees live (default bench/.work/watch; kept and reused)
  --out DIR             where benchmarks-watch.json goes (default docs)
  --seed S              tree seed (default 1)
  --skip-limit          do not run the inotify-limit scenarios
  --limit-only          run only the inotify-limit scenarios (on the 10k tree)
`;

function count(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) throw new Error(`bench:watch: cannot read "${text}" as a count (examples: 10k, 100k, 1m)`);
  const mult = m[2]?.toLowerCase() === 'k' ? 1_000 : m[2]?.toLowerCase() === 'm' ? 1_000_000 : 1;
  return Math.round(Number(m[1]) * mult);
}

function parseArgs(argv: string[], root: string): Options {
  const o: Options = {
    sizes: [10_000, 100_000],
    libs: [...LIBRARIES],
    reps: 3,
    work: join(root, 'bench', '.work', 'watch'),
    out: join(root, 'docs'),
    seed: '1',
    skipLimit: false,
    limitOnly: false,
    createFiles: 100_000,
    settings: { idleSeconds: 60, latencyWrites: 200, modifyFiles: 10_000, createDirs: 5_000, filesPerCreatedDir: 20, seed: '1', drainTimeoutMs: 600_000, startTimeoutMs: 1_800_000 },
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench:watch: ${a} needs a value\n${USAGE}`);
      return v;
    };
    switch (a) {
      case '--sizes':
        o.sizes = value().split(',').map(count);
        break;
      case '--libs':
        o.libs = value()
          .split(',')
          .map((l) => {
            if (!(LIBRARIES as readonly string[]).includes(l)) throw new Error(`bench:watch: unknown library "${l}"\n${USAGE}`);
            return l as Library;
          });
        break;
      case '--reps':
        o.reps = count(value());
        break;
      case '--idle':
        o.settings.idleSeconds = count(value());
        break;
      case '--latency-writes':
        o.settings.latencyWrites = count(value());
        break;
      case '--modify':
        o.settings.modifyFiles = count(value());
        break;
      case '--create':
        o.createFiles = count(value());
        o.settings.createDirs = Math.max(1, Math.round(o.createFiles / o.settings.filesPerCreatedDir));
        break;
      case '--work':
        o.work = resolve(value());
        break;
      case '--out':
        o.out = resolve(value());
        break;
      case '--seed':
        o.seed = value();
        o.settings.seed = o.seed;
        break;
      case '--skip-limit':
        o.skipLimit = true;
        break;
      case '--limit-only':
        o.limitOnly = true;
        break;
      case '--help':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`bench:watch: unknown option ${a}\n${USAGE}`);
    }
  }
  return o;
}

function readInt(path: string): number {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return 0;
  }
}

function version(pkg: string, root: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function label(files: number): string {
  return files >= 1_000_000 ? `${files / 1_000_000}m` : `${files / 1_000}k`;
}

async function main(): Promise<void> {
  const root = repoRoot();
  const o = parseArgs(process.argv.slice(2), root);
  const began = Date.now();
  await mkdir(o.work, { recursive: true });
  const jsonFile = join(o.out, 'benchmarks-watch.json');
  const previous = existsSync(jsonFile) ? (JSON.parse(await readFile(jsonFile, 'utf8')) as WatchBenchResults) : null;

  const settings: WatchSettings = { reps: o.reps, idleSeconds: o.settings.idleSeconds, latencyWrites: o.settings.latencyWrites, modifyFiles: o.settings.modifyFiles, createFiles: o.createFiles, createDirs: o.settings.createDirs, seed: o.seed };
  const sizes: SizeResult[] = [];
  if (!o.limitOnly) {
    for (const files of o.sizes) {
      const treeRoot = join(o.work, `tree-${label(files)}`);
      log(`tree of ${files} files in ${treeRoot}`);
      const tree = ensureTree(treeRoot, files, o.seed, log);
      const date = new Date().toISOString();
      const result: SizeResult = { files, dirs: tree.dirs.length, maxDepth: tree.maxDepth, libs: o.libs.map((lib) => ({ lib, date, settings, reps: [] })) };
      for (let rep = 1; rep <= o.reps; rep++) {
        for (const l of result.libs) {
          log(`${l.lib} on ${files} files, rep ${rep}/${o.reps} (load average ${loadavg()[0]?.toFixed(2)})`);
          l.reps.push(await measureRep(l.lib, treeRoot, tree, rep, o.settings, log));
        }
      }
      sizes.push(result);
    }
  }

  let limit: LimitScenario[] = previous?.limit ?? [];
  if (!o.skipLimit) {
    const treeRoot = join(o.work, 'tree-10k');
    const tree = ensureTree(treeRoot, 10_000, o.seed, log);
    const why = await userNamespacesWork(treeRoot);
    if (why) log(`inotify-limit scenarios skipped: cannot run a child in a user namespace with its own limit (${why})`);
    else {
      limit = [];
      for (const lib of o.libs.filter((l) => l !== 'none')) limit.push(...(await limitScenarios(lib, treeRoot, tree, log)));
    }
  }

  // A size measured now replaces the same size of the earlier run library by library, so a slow
  // library on the 1M tree can be measured on its own.
  const merged = [...(previous?.sizes ?? [])];
  for (const s of sizes) {
    const old = merged.findIndex((m) => m.files === s.files);
    if (old < 0) merged.push(s);
    else {
      const kept = merged[old]!.libs.filter((l) => !s.libs.some((n) => n.lib === l.lib));
      merged[old] = { ...s, libs: [...kept, ...s.libs].sort((a, b) => LIBRARIES.indexOf(a.lib) - LIBRARIES.indexOf(b.lib)) };
    }
  }
  merged.sort((a, b) => a.files - b.files);
  const results: WatchBenchResults = {
    schema: WATCH_RESULTS_SCHEMA,
    date: new Date().toISOString(),
    command: `npm run bench:watch -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: machineInfo(o.work, root),
    inotify: {
      maxUserWatches: readInt('/proc/sys/fs/inotify/max_user_watches'),
      maxQueuedEvents: readInt('/proc/sys/fs/inotify/max_queued_events'),
      maxUserInstances: readInt('/proc/sys/fs/inotify/max_user_instances'),
    },
    versions: { node: process.version, '@parcel/watcher': version('@parcel/watcher', root), chokidar: version('chokidar', root) },
    settings,
    sizes: merged,
    limit,
    durationMs: Date.now() - began,
  };
  await mkdir(o.out, { recursive: true });
  await writeFile(jsonFile, JSON.stringify(results, null, 2) + '\n');
  log(`wrote ${jsonFile}`);
  const benchJson = join(o.out, 'benchmarks.json');
  if (existsSync(benchJson)) {
    await writeReport(JSON.parse(await readFile(benchJson, 'utf8')) as BenchResults, o.out, { writeJson: false });
    log(`rewrote ${join(o.out, 'BENCHMARKS.md')} (with its File watchers section)`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
