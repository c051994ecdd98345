// Writes docs/BENCHMARKS.md (+ benchmarks.svg, benchmarks.json) from measured results only: any
// figure that was not measured is printed as "not measured", never estimated.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderChart } from './chart.js';
import type { DiskUsage } from './lib/fsutil.js';
import type { S3ServerInfo } from './lib/s3server.js';
import { fmtBytes } from './lib/util.js';
import { mib, NAMES, NM, ok, peerOf, rate, ratio, s, status, table, x } from './reportFormat.js';
import { CONTENTION_WARN, maxOtherLoad, STEP_TITLES, STEPS, type BenchResults, type StepName, type ToolResult } from './results.js';
import { ALL_TOOLS, isS3Tool, type BucketUsage, type ToolName } from './tools/types.js';
import { protectTargets, renderProtectSection } from './protect/report.js';
import type { ProtectResults } from './protect/run.js';
import { renderWatchSection } from './watch/report.js';
import { bigFilesSection, incrementalGrowth, incrementalSection } from './reportSeries.js';
import { manyFilesTargets, renderManyFilesSection } from './million/report.js';
import type { ManyFilesResults } from './million/results.js';
import type { WatchBenchResults } from './watch/results.js';

const CATEGORY_TEXT: Record<string, string> = {
  large: 'Large files: a video and a .zip (incompressible), a mail archive (.pst-like, 64 KiB blocks: 60 % text, 40 % random)',
  media: 'Media: photos 1.5–6 MiB, clips 10–40 MiB, music 3–9 MiB (random bytes standing in for JPEG/MP4/MP3)',
  docs: 'Office-like documents 8 KiB–6 MiB: notes, flat XML (as inside .docx/.odt), CSV, e-mail, logs',
  small: 'Small files 1–64 KiB in nested project, node_modules-like and cache folders (70 % text, 30 % random)',
  dupes: 'Exact duplicates of documents, photos and small files (Desktop/, Downloads/)',
  empty: 'Empty files',
};

/** throughput of Havre (peerOf(other)) ÷ throughput of `other` for a step (> 1: Havre faster) */
function havreVs(r: BenchResults, step: StepName, other: ToolName): number | undefined {
  const h = ok(r.tools.find((t) => t.tool === peerOf(other)), step);
  const o = ok(r.tools.find((t) => t.tool === other), step);
  if (step === 'init') return ratio(o?.totalMs, h?.totalMs);
  return ratio(h?.mibPerSec, o?.mibPerSec);
}

function peakOverSteps(t: ToolResult): number | undefined {
  const v = Object.values(t.steps).filter((m) => m.status === 'ok' && m.peakRssBytes !== undefined).map((m) => m.peakRssBytes ?? 0);
  return t.available && v.length ? Math.max(...v) : undefined;
}

function repoFinal(t: ToolResult): DiskUsage | BucketUsage | undefined {
  return t.steps.backup.status === 'ok' ? (t.repoAfterNoop ?? t.repoAfterBackup) : undefined;
}

/** Results of older harnesses have no incremental step: their report leaves it out. */
function ranIncremental(r: BenchResults): boolean {
  return r.mutation !== undefined || r.tools.some((t) => t.steps.incremental.status !== 'skipped');
}

function summarySection(r: BenchResults): string {
  const tools = r.tools;
  const head = ['', ...tools.map((t) => NAMES[t.tool])];
  const row = (label: string, f: (t: ToolResult) => string): string[] => [label, ...tools.map((t) => (t.available ? f(t) : 'not available'))];
  const rows = [
    row('Full backup', (t) => rate(ok(t, 'backup')?.mibPerSec)),
    row('No-op backup (unchanged tree)', (t) => s(ok(t, 'noop')?.totalMs, 2)),
    ...(ranIncremental(r) ? [row('Incremental backup (1 % of files changed)', (t) => s(ok(t, 'incremental')?.totalMs, 2))] : []),
    row('Full restore', (t) => (t.steps.restore.status === 'failed' ? '**FAILED**' : rate(ok(t, 'restore')?.mibPerSec))),
    row('CPU time: full backup / restore', (t) => `${s(ok(t, 'backup')?.cpuMs)} / ${s(ok(t, 'restore')?.cpuMs)}`),
    row('Restore verified (SHA-256 of every file)', (t) => (t.steps.restore.verify ? (t.steps.restore.verify.ok ? 'yes, identical' : '**no — differs**') : NM)),
    row('Repository size', (t) => {
      const u = repoFinal(t);
      return u ? `${mib(u.apparentBytes)} (${((u.apparentBytes / r.corpus.totalBytes) * 100).toFixed(0)} % of corpus)` : NM;
    }),
    row('Peak RSS (largest step)', (t) => mib(peakOverSteps(t))),
  ];
  return table(head, rows);
}

function targetsSection(r: BenchResults, protect: ProtectResults | null, million: ManyFilesResults | null): string {
  const havre = r.tools.find((t) => t.tool === 'havre');
  const restic = r.tools.find((t) => t.tool === 'restic');
  const why = (): string => {
    if (!havre) return 'not measured (Havre not in --tools)';
    if (!havre.available) return 'not measured (Havre not available, see above)';
    if (!restic?.available) return 'not measured (restic not available)';
    return NM;
  };
  const verdict = (met: boolean): string => (met ? '**met**' : '**not met**');
  const rows: string[][] = [];
  for (const step of ['backup', 'restore'] as const) {
    const h = ok(havre, step);
    const rs = ok(restic, step);
    let result: string;
    if (havre?.steps[step].status === 'failed') result = `**not met** (Havre ${step} FAILED)`;
    else if (h?.mibPerSec !== undefined && rs?.mibPerSec !== undefined) {
      const q = h.mibPerSec / rs.mibPerSec;
      const cpu = h.cpuMs && rs.cpuMs ? `; CPU time restic ÷ Havre ${(rs.cpuMs / h.cpuMs).toFixed(2)}×` : '';
      result = `${verdict(q >= 1.5)}: ${q.toFixed(2)}× (${h.mibPerSec.toFixed(1)} vs ${rs.mibPerSec.toFixed(1)} MiB/s${cpu})`;
    } else result = why();
    rows.push([`Full ${step} ≥ 1.5× restic's throughput, same corpus, machine and run`, result]);
  }
  {
    const h = ok(havre, 'noop');
    const rs = ok(restic, 'noop');
    let result: string;
    if (havre?.steps.noop.status === 'failed') result = '**not met** (Havre no-op backup FAILED)';
    else if (h?.totalMs !== undefined && rs?.totalMs !== undefined) {
      result = `${verdict(h.totalMs <= rs.totalMs)}: ${s(h.totalMs, 2)} vs ${s(rs.totalMs, 2)} (measured as a second \`havre backup\` of the unchanged tree)`;
    } else result = why();
    rows.push(["Unchanged tree: reconcile scan no slower than restic's no-op backup", result]);
  }
  const p = protectTargets(protect);
  rows.push(['Watcher on: a saved file is protected within 2 s (p95, fs store)', p.latency]);
  const many = manyFilesTargets(million);
  {
    const h = ok(havre, 'backup');
    const note = h?.peakRssBytes !== undefined ? `; indication only: Havre peaked at ${mib(h.peakRssBytes)} backing up this corpus of ${r.corpus.files.toLocaleString('en-US')} files` : '';
    rows.push(['Engine under 200 MB RSS while backing up 1 million files', many ? `${many.rss} — see "A million files"` : `${NM} (run \`npm run bench -- --preset million\`${note})`]);
    rows.push(["Restore browser's queries under 50 ms on that tree (list a folder, a file's versions, a name search)", many ? many.queries : `${NM} (run \`npm run bench -- --preset million\`)`]);
  }
  rows.push(['Idle CPU near zero (under 1 % of one CPU)', p.idle]);
  rows.push(['UI: first paint under 1 s; a 100,000-entry folder scrolls smoothly', `${NM} (UI budgets are outside this harness)`]);
  return table(['DESIGN.md §7 budget', 'Result on this run'], rows);
}

function stepSection(r: BenchResults, step: StepName): string {
  const present = (t: ToolName): boolean => r.tools.some((u) => u.tool === t);
  const others = r.tools.map((t) => t.tool).filter((t) => t !== peerOf(t) && present(peerOf(t)));
  const hasHavre = others.length > 0;
  const head = ['Tool', 'Time', 'of which sync', step === 'init' ? '' : 'Throughput', 'CPU time (user+sys)', 'Peak RSS', 'Other load', ...(hasHavre ? ['Havre ÷ tool'] : []), 'Status'].filter(Boolean);
  const rows = r.tools.map((t) => {
    const m = t.steps[step];
    const measured = t.available && (m.status === 'ok' || m.status === 'failed');
    const spread = m.spread && m.spread.n > 1 ? ` (${(m.spread.minMs / 1000).toFixed(2)}–${(m.spread.maxMs / 1000).toFixed(2)})` : '';
    const cols = [NAMES[t.tool], measured ? s(m.totalMs, 2) + spread : NM, measured ? s(m.syncMs, 2) : NM];
    if (step !== 'init') cols.push(rate(m.status === 'ok' ? m.mibPerSec : undefined));
    cols.push(measured && m.cpuMs !== undefined ? s(m.cpuMs, 2) : NM);
    cols.push(measured ? mib(m.peakRssBytes) : NM);
    cols.push(measured && m.otherLoad !== undefined ? `${m.otherLoad.toFixed(2)} CPUs` : NM);
    if (hasHavre) cols.push(others.includes(t.tool) ? x(havreVs(r, step, t.tool)) : '—');
    cols.push(status(t, m));
    return cols;
  });
  const ratioText = hasHavre
    ? others.map((o) => `${NAMES[peerOf(o)]}/${NAMES[o]}: ${x(havreVs(r, step, o))}`).join(' · ') + (step === 'init' ? ' (time ratio inverted: > 1 means the first faster)' : ' (throughput ratio: > 1 means the first faster)')
    : '';
  const cmds = r.tools
    .filter((t) => t.available && t.steps[step].command)
    .map((t) => `\`${t.steps[step].command ?? ''}\``)
    .join(', ');
  return [`### ${STEP_TITLES[step]}`, '', table(head, rows), '', ratioText, ratioText ? '' : '', cmds ? `Commands: ${cmds}.` : ''].filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n');
}

function repoSection(r: BenchResults): string {
  const rows = r.tools.map((t) => {
    if (!t.available) return [NAMES[t.tool], NM, NM, NM, NM, NM, NM];
    const a = t.steps.backup.status === 'ok' ? t.repoAfterBackup : undefined;
    const b = t.steps.noop.status === 'ok' ? t.repoAfterNoop : undefined;
    return [
      NAMES[t.tool],
      a ? `${mib(a.apparentBytes, 1)} (${a.files} ${isS3Tool(t.tool) ? 'object versions' : 'files'})` : NM,
      a ? `${((a.apparentBytes / r.corpus.totalBytes) * 100).toFixed(1)} %` : NM,
      a && b ? fmtBytes(b.apparentBytes - a.apparentBytes) : NM,
      ((g) => (g !== undefined ? fmtBytes(g) : NM))(incrementalGrowth(t)),
      a ? mib((a as Partial<DiskUsage>).allocatedBytes, 1) : NM, // a bucket has none: not measured
      t.stateAfterRun ? mib(t.stateAfterRun.apparentBytes, 1) : NM,
    ];
  });
  const pairs = r.tools
    .map((t) => [r.tools.find((h) => h.tool === peerOf(t.tool)), t] as const)
    .filter((p): p is readonly [ToolResult, ToolResult] => p[0] !== undefined && p[0] !== p[1]);
  const ratios = pairs.length
    ? pairs.map(([h, t]) => `${NAMES[h.tool]}/${NAMES[t.tool]} repository size: ${x(ratio(repoFinal(h)?.apparentBytes, repoFinal(t)?.apparentBytes))}`).join(' · ') + ' (< 1 means the first smaller)'
    : '';
  const bucket = r.tools.some((t) => isS3Tool(t.tool))
    ? 'S3 tools: the sum of the sizes of every object version in the bucket (ListObjectVersions), noncurrent versions included; the space radosgw allocates for them is not measured.'
    : '';
  return [
    table(['Tool', 'After full backup (du -sb)', 'of corpus', 'Growth from no-op backup', 'Growth from incremental backup', 'Allocated on disk', 'Local cache/state outside the repo'], rows),
    '',
    [ratios, bucket].filter(Boolean).join('\n\n'),
  ].join('\n');
}

function rssSection(r: BenchResults): string {
  const steps: StepName[] = ['init', 'backup', 'noop', ...(ranIncremental(r) ? ['incremental' as const] : []), 'restore'];
  const rows = r.tools.map((t) => [NAMES[t.tool], ...steps.map((st) => (t.available && (t.steps[st].status === 'ok' || t.steps[st].status === 'failed') ? mib(t.steps[st].peakRssBytes) : NM))]);
  return table(['Tool', ...steps.map((st) => STEP_TITLES[st])], rows);
}

function limitsSection(r: BenchResults): string {
  const l = r.limits;
  if (!l) return `${NM} (run without --skip-limits).`;
  const rows: string[][] = [
    ['AES-256-GCM encrypt, one core (Node crypto / OpenSSL, 16 MiB blocks)', rate(l.aes256gcmMiBs)],
    ['SHA-256, one core (Node crypto / OpenSSL, 16 MiB blocks)', rate(l.sha256MiBs)],
  ];
  const contended = l.otherLoad !== undefined && l.otherLoad >= 0.25 ? `\n\nOther processes used ${l.otherLoad.toFixed(2)} CPUs on average while the crypto limits were measured: they are understated.` : '';
  if (l.disk) {
    rows.push([`Sequential write of ${fmtBytes(l.disk.fileBytes)} in the work folder, fsync included`, rate(l.disk.writeMiBs)]);
    rows.push([`Sequential read of the same file (${l.disk.readCold ? 'page cache dropped' : '**warm cache**: could not drop the page cache'})`, rate(l.disk.readMiBs)]);
  } else {
    rows.push(['Sequential disk write / read', `${NM} (${l.diskError ?? 'error'})`]);
  }
  return table(['Limit', 'Measured'], rows) + contended;
}

function corpusSection(r: BenchResults): string {
  const c = r.corpus;
  const rows = c.categories
    .filter((k) => k.files > 0)
    .map((k) => [
      CATEGORY_TEXT[k.category] ?? k.category,
      k.files.toLocaleString('en-US'),
      mib(k.bytes, 1),
      `${((k.bytes / c.totalBytes) * 100).toFixed(1)} %`,
      c.deflateRatio?.[k.category] !== undefined ? `${((c.deflateRatio[k.category] ?? 1) * 100).toFixed(0)} %` : k.bytes ? NM : '—',
    ]);
  rows.push(['**Total**', c.files.toLocaleString('en-US'), mib(c.totalBytes, 1), '100 %', c.deflateRatio?.all !== undefined ? `${(c.deflateRatio.all * 100).toFixed(0)} %` : NM]);
  return [
    `Preset **${c.preset}**, target ${fmtBytes(c.targetBytes)}, seed \`${c.seed}\`: ${c.files.toLocaleString('en-US')} files in ${c.dirs.toLocaleString('en-US')} directories (${c.emptyDirs} of them empty), names with spaces, accents and CJK characters. ` +
      `Generated by \`bench/corpus/\` from the seed alone (SFC32 for structure, an AES-256-CTR keystream for incompressible bytes), so every run with the same seed and size backs up byte-identical files with identical mtimes` +
      `${c.reused ? '; this run reused a corpus kept with --keep' : ''}.`,
    '',
    table(['Category', 'Files', 'Size', 'Share', 'deflate -1 size'], rows),
    '',
    '"deflate -1 size" is zlib level 1 on a deterministic sample (256 KiB every 4 MiB of each file, every 4th small file), as a percentage of the original: a yardstick of how compressible each category is, not what any tool does.',
  ].join('\n');
}

/** One line on the local S3 server: software, layout, object store. */
function s3ServerText(v: S3ServerInfo): string {
  const store = v.backend === 'bluestore'
    ? `objects in BlueStore on a sparse ${fmtBytes(v.capacityBytes)} file in the work folder (same file system as the other repositories; direct I/O, 128 MiB BlueStore cache, writes acknowledged once on disk)`
    : `objects in memstore (the OSD's RAM, up to ${fmtBytes(v.capacityBytes)}; about twice the stored bytes resident, never on disk)`;
  const rss = v.peakRssBytes ? `; daemons' peak RSS: radosgw ${mib(v.peakRssBytes.radosgw)}, OSD ${mib(v.peakRssBytes.osd)}, monitor ${mib(v.peakRssBytes.monitor)}` : '';
  const start = v.startMs !== undefined ? `; started in ${s(v.startMs)} before the first step (not measured as any tool's)` : '';
  return `${v.software ?? 'Ceph radosgw'} from Debian, a single node on 127.0.0.1 (1 monitor, 1 OSD, no mgr, 1 replica, plain HTTP, test/fixtures/s3/up.sh), ${store}${start}${rss}`;
}

/** Havre → S3 against restic → S3, to the same local server in the same run. */
function s3Section(r: BenchResults): string | null {
  const tools = r.tools.filter((t) => isS3Tool(t.tool));
  if (!tools.length) return null;
  const hs = r.tools.find((t) => t.tool === 'havre-s3');
  const rs = r.tools.find((t) => t.tool === 'restic-s3');
  const both = !!hs && !!rs;
  const v = r.s3Server;
  const server = v?.error ? `not available: ${v.error}` : v ? s3ServerText(v) : NM;
  const serverCpu = (t: ToolResult, st: StepName): string => s(ok(t, st)?.serverCpuMs);
  const row = (label: string, f: (t: ToolResult) => string, q?: number): string[] => [label, ...tools.map((t) => (t.available ? f(t) : `not available: ${t.unavailableReason ?? '?'}`)), ...(both ? [q !== undefined ? x(q) : '—'] : [])];
  const rows = [
    row('Full backup', (t) => rate(ok(t, 'backup')?.mibPerSec), havreVs(r, 'backup', 'restic-s3')),
    row('No-op backup (unchanged tree)', (t) => s(ok(t, 'noop')?.totalMs, 2), ratio(ok(rs, 'noop')?.totalMs, ok(hs, 'noop')?.totalMs)),
    row('Full restore, read back from the server (verified)', (t) => (t.steps.restore.status === 'failed' ? '**FAILED**' : rate(ok(t, 'restore')?.mibPerSec)), havreVs(r, 'restore', 'restic-s3')),
    row('Tool CPU time: full backup / restore', (t) => `${s(ok(t, 'backup')?.cpuMs)} / ${s(ok(t, 'restore')?.cpuMs)}`),
    row('S3 server CPU time (radosgw + OSD + monitor): full backup / restore', (t) => `${serverCpu(t, 'backup')} / ${serverCpu(t, 'restore')}`),
    row('Stored in the bucket after both backups', (t) => {
      const u = repoFinal(t);
      return u ? `${mib(u.apparentBytes)} in ${u.files} objects (${((u.apparentBytes / r.corpus.totalBytes) * 100).toFixed(0)} % of corpus)` : NM;
    }),
    row('Tool peak RSS (largest step)', (t) => mib(peakOverSteps(t))),
  ];
  const head = ['', ...tools.map((t) => NAMES[t.tool]), ...(both ? ['Havre → S3 ÷ restic → S3'] : [])];
  return [
    `Havre and restic back up to, and restore from, the same local S3 server in this run, each into a bucket of its own made just before its init: ${server}.`,
    '',
    table(head, rows),
    '',
    ...(both ? ['Ratios: throughput for backup and restore, restic\'s time ÷ Havre\'s for the no-op backup; > 1 means Havre faster.', ''] : []),
    "- **Object Lock**: Havre's bucket is created with Object Lock (so versioned) and every object Havre writes carries a GOVERNANCE retention and the checksum header locked PUTs need. restic does not use Object Lock: its bucket is a plain one. The lock is part of what Havre → S3 pays.",
    '- **borg** is not in this comparison: borg 1.x has no S3 backend (it stores to a local path or over SSH).',
    "- **The server shares the machine**: its daemons' CPU time is the row above, counted neither in the tool's CPU time nor in \"other load\"; their memory is in no tool's peak RSS.",
    '- The same engines to a local folder are the Havre and restic columns of the summary: the difference is the cost of going through S3 on this machine.',
  ].join('\n');
}

function machineSection(r: BenchResults): string {
  const m = r.machine;
  const v = (t: ToolName): string => r.toolVersions[t] ?? 'not installed';
  const rows: string[][] = [
    ['CPU', `${m.cpuModel}${m.virtualized ? ' (virtual machine)' : ''}`],
    ['Logical CPUs', String(m.logicalCpus)],
    ['CPU features', m.cpuFlags.length ? m.cpuFlags.join(', ') : 'none of aes, sha_ni, avx2 reported'],
    ['RAM', fmtBytes(m.ramBytes)],
    ['OS / kernel', `${m.os}; ${m.kernel}`],
    ['Work folder file system', m.workFs],
    ['Node.js', m.node],
    ['Havre', `${r.tools.some((t) => t.tool.startsWith('havre')) ? (r.toolVersions.havre ?? r.toolVersions['havre-s3'] ?? r.toolVersions['havre-appliance'] ?? 'not installed') : 'not run'}; commit ${m.gitCommit ?? 'unknown'}`],
    ['restic', r.tools.some((t) => t.tool.startsWith('restic')) ? (r.toolVersions.restic ?? r.toolVersions['restic-s3'] ?? 'not installed') : 'not run'],
    ['borg', r.tools.some((t) => t.tool === 'borg') ? v('borg') : 'not run'],
    ...(r.s3Server ? [['S3 server (Havre → S3, restic → S3)', r.s3Server.error ? `not available: ${r.s3Server.error}` : s3ServerText(r.s3Server)]] : []),
  ];
  return table(['', ''], rows);
}

function settingsSection(r: BenchResults): string {
  return r.tools.map((t) => `- **${NAMES[t.tool]}**: ${t.settings.join('; ')}.`).join('\n');
}

export function renderMarkdown(r: BenchResults, protect: ProtectResults | null = null, million: ManyFilesResults | null = null): string {
  const havre = r.tools.find((t) => t.tool === 'havre');
  const failed = (tools: ToolResult[], where: string): string[] =>
    tools.flatMap((t) => STEPS.filter((st) => t.steps[st].status === 'failed').map((st) => `${NAMES[t.tool]} ${STEP_TITLES[st].toLowerCase()}${where}`));
  const failures = [...failed(r.tools, ''), ...failed(r.bigFiles?.tools ?? [], ' (multi-GiB files)')];
  const incremental = incrementalSection(r);
  const big = bigFilesSection(r);
  const headline: string[] = [];
  if (havre && !havre.available) headline.push(`**Havre: not available: ${havre.unavailableReason ?? '?'}** — its figures below say "not measured".`);
  if (failures.length) headline.push(`**FAILED:** ${failures.join(', ')} (see the step tables).`);
  if (!r.coldCache) headline.push('**Warm cache:** the page cache could not be dropped between steps (needs root); reads may have been served from memory.');
  if (r.havreBuildWarning) headline.push(`**Warning:** ${r.havreBuildWarning}`);
  const other = maxOtherLoad(r);
  if (other !== undefined && other >= CONTENTION_WARN) {
    headline.push(
      `**Shared machine:** other processes used up to ${other.toFixed(2)} of the ${r.machine.logicalCpus} CPUs during a measured step (column "Other load"). ` +
        'Wall times, throughputs and the limits are pessimistic and noisy; CPU times are less affected. Rerun on an otherwise idle machine before drawing conclusions.',
    );
  }
  const date = r.date.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `# Benchmarks

<!-- Generated by bench/run.ts from docs/benchmarks.json. Do not edit by hand: rerun the benchmark. -->

Measured on **${date}** with a ${fmtBytes(r.corpus.totalBytes)} workstation-like corpus (${r.corpus.files.toLocaleString('en-US')} files).
To repeat: \`npm ci && npm run build && ${r.command}\` (as root, so the page cache can be dropped between steps).
Raw results: [benchmarks.json](benchmarks.json). Every figure below was measured in this run; anything that was not says "${NM}".
${headline.length ? '\n' + headline.map((h) => `> ${h}`).join('\n>\n') + '\n' : ''}
![Throughput, no-op time, repository size and peak RSS per tool](benchmarks.svg)

## Summary

${summarySection(r)}

## DESIGN.md §7 targets

${targetsSection(r, protect, million)}
${incremental !== null ? `\n## Incremental backup (1 % of files changed)\n\n${incremental}\n` : ''}${big !== null ? `\n## Multi-GiB files\n\n${big}\n` : ''}${s3Section(r) !== null ? `\n## Throughput to a local S3 server\n\n${s3Section(r) ?? ''}\n` : ''}
${(r.runs ?? 1) > 1 ? `Figures are the median of ${r.runs} runs per tool (min–max of the time in the step tables).` : 'One run per tool (`--runs N` repeats and reports medians): treat differences of a few percent as noise.'}

## Machine

${machineSection(r)}

## Corpus

${corpusSection(r)}

## Method

- Each tool gets its own fresh repository in the work folder, on the same file system as the corpus, and its caches in a private state folder (counted separately below). The S3 tools get a fresh bucket on one local S3 server started for the whole run (see Machine).
- Steps are interleaved: every tool's init, then every tool's full backup, then every tool's no-op backup (a second backup of the unchanged tree); ${incremental !== null ? 'then 1 % of the files change once, the same way for all (see Incremental backup), and every tool makes an incremental backup; ' : ''}then every tool restores its latest snapshot into an empty folder.${big !== null ? ' The multi-GiB files follow, as a series of their own (init, full backup, restore) for the tools storing to a folder.' : ''}
- Before each step: \`sync\` and \`echo 3 > /proc/sys/vm/drop_caches\` (${r.coldCache ? 'done before every step of this run' : '**not permitted in this run: warm cache**'}).
- Time: ${r.timeMethod}. Throughput = corpus size (${mib(r.corpus.totalBytes, 1)}) ÷ that time, for every step, the no-op backup included.
- Peak RSS: ${r.rssMethod}. The harness itself is not counted.
- CPU time and other load: ${r.cpuMethod ?? NM}. Other load near 0 means the tool had the machine to itself.${r.tools.some((t) => isS3Tool(t.tool)) ? " For the S3 tools the S3 server's daemons are not the tool: their CPU time during the step is reported on its own and taken out of other load, and their memory is not in the tool's peak RSS." : ''}
- Restore check: the restored tree is listed and every file hashed; file list, sizes, SHA-256 and the directory list (empty ones included) must equal the source, or the restore is marked **FAILED**. Permissions, owners and mtimes are not compared.
- Repository size: apparent size of every file and directory in the repository (\`du -sb\`); allocated blocks are shown too.

## Results per step

${(['backup', 'noop', ...(incremental !== null ? ['incremental' as const] : []), 'restore', 'init'] as StepName[]).map((st) => stepSection(r, st)).join('\n\n')}

## Repository size

${repoSection(r)}

## Peak RSS per step

${rssSection(r)}

## Physical limits of this machine

${limitsSection(r)}

## Tool settings

${settingsSection(r)}

Passwords go through the environment (\`RESTIC_PASSWORD\`, \`BORG_PASSPHRASE\`, \`HAVRE_PASSWORD\`), never the command line${r.tools.some((t) => isS3Tool(t.tool)) ? ', and so do the S3 access keys (`HAVRE_S3_ACCESS_KEY_ID`/`HAVRE_S3_SECRET_ACCESS_KEY`, `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`)' : ''}. restic and borg are the versions installed on this machine (see Machine); other releases may perform differently. Havre is its built CLI (\`node bin/havre.js\`, i.e. \`dist/\`), so its peak RSS is the whole CLI process: engine plus Node runtime.

## Reproduce

\`\`\`sh
npm ci && npm run build          # the harness runs bin/havre.js, i.e. the built CLI
${r.command}   # as root for cold-cache numbers; --keep keeps the work folder
${r.corpus.preset === 'small' ? 'npm run bench -- --size 1G        # the standard 1 GiB run' : 'npm run bench -- --preset small --out bench/out   # 64 MiB smoke run (CI), leaves docs/ alone'}
\`\`\`

Options: \`--size 256M|1G|…\`, \`--preset small|standard|million\`, \`--big-files SIZE\` (each of the two multi-GiB files; 0: none), \`--files N\` (the many-files series alone), \`--tools ${ALL_TOOLS.join(',')}\`, \`--s3-backend bluestore|memstore\`, \`--work DIR\` (default \`bench/.work\`), \`--keep\`, \`--runs N\` (median of N cycles; use an odd N), \`--seed S\`, \`--out DIR\` (default \`docs\`), \`--skip-limits\`, \`--report-from docs/benchmarks.json\` (rewrite this page without rerunning).
${r.durationMs !== undefined ? `\nThis run took ${(r.durationMs / 60000).toFixed(1)} minutes in all.\n` : ''}`;
}

export async function writeReport(r: BenchResults, outDir: string, opts: { writeJson: boolean }): Promise<void> {
  await mkdir(outDir, { recursive: true });
  if (opts.writeJson) await writeFile(join(outDir, 'benchmarks.json'), JSON.stringify(r, null, 2) + '\n');
  await writeFile(join(outDir, 'benchmarks.svg'), renderChart(r));
  // The analysis (what the profiles show, what each change bought) is written by hand in
  // bench/ANALYSIS.md and carried into every generated report.
  const analysis = await readFile(new URL('../../bench/ANALYSIS.md', import.meta.url), 'utf8').catch(() => readFile(new URL('./ANALYSIS.md', import.meta.url), 'utf8')).catch(() => '');
  // The watcher benchmark (bench/watch/, npm run bench:watch) keeps its own results beside these.
  const watch = await readFile(join(outDir, 'benchmarks-watch.json'), 'utf8').then((t) => renderWatchSection(JSON.parse(t) as WatchBenchResults)).catch(() => '');
  // So does the continuous-protection benchmark (bench/protect/, npm run bench:protect).
  const protect = await readFile(join(outDir, 'benchmarks-protect.json'), 'utf8').then((t) => JSON.parse(t) as ProtectResults).catch(() => null);
  // And the many-files series (npm run bench -- --preset million).
  const million = await readFile(join(outDir, 'benchmarks-million.json'), 'utf8').then((t) => JSON.parse(t) as ManyFilesResults).catch(() => null);
  const sections = [renderMarkdown(r, protect, million), million ? renderManyFilesSection(million) : '', protect ? renderProtectSection(protect) : '', watch, analysis].map((x) => x.trim()).filter(Boolean);
  await writeFile(join(outDir, 'BENCHMARKS.md'), sections.join('\n\n') + '\n');
}
