// The report's sections on the incremental series (1 % of the files changed) and the multi-GiB files.
import { atLeast, fmtRatio } from './budgets.js';
import type { DiskUsage } from './lib/fsutil.js';
import { fmtBytes } from './lib/util.js';
import { mib, NAMES, NM, ok, peerOf, rate, ratio, s, status, table, x } from './reportFormat.js';
import type { BenchResults, BigFilesResults, ToolResult } from './results.js';
import type { BucketUsage } from './tools/types.js';

function growth(after: DiskUsage | BucketUsage | undefined, before: DiskUsage | BucketUsage | undefined): number | undefined {
  return after && before ? after.apparentBytes - before.apparentBytes : undefined;
}

/** Repository growth from the incremental backup (after it minus after the no-op backup). */
export function incrementalGrowth(t: ToolResult): number | undefined {
  return t.steps.incremental.status === 'ok' ? growth(t.repoAfterIncremental, t.repoAfterNoop) : undefined;
}

export function incrementalSection(r: BenchResults): string | null {
  const m = r.mutation;
  const ran = r.tools.some((t) => t.steps.incremental.status === 'ok' || t.steps.incremental.status === 'failed');
  if (!m && !ran) return null;
  const havre = r.tools.find((t) => t.tool === 'havre');
  const restic = r.tools.find((t) => t.tool === 'restic');
  const head = ['Tool', 'Time', 'CPU time', 'Peak RSS', 'Repository growth', 'Growth ÷ bytes written', "Havre's time ÷ the tool's", 'Status'];
  const rows = r.tools.map((t) => {
    const inc = ok(t, 'incremental');
    const g = incrementalGrowth(t);
    // restic → S3 against Havre → S3 (same server), every other tool against Havre to a folder
    const peer = ok(r.tools.find((p) => p.tool === peerOf(t.tool)), 'incremental');
    const vsHavre = peerOf(t.tool) !== t.tool && peer?.totalMs !== undefined && inc?.totalMs ? x(ratio(peer.totalMs, inc.totalMs)) : '—';
    return [
      NAMES[t.tool],
      s(inc?.totalMs, 2),
      s(inc?.cpuMs, 2),
      mib(inc?.peakRssBytes),
      g !== undefined ? fmtBytes(Math.max(0, g)) + (g < 0 ? ' (shrank)' : '') : NM,
      g !== undefined && m ? `${((g / m.bytesWritten) * 100).toFixed(0)} %` : NM,
      vsHavre,
      status(t, t.steps.incremental),
    ];
  });
  const hr = ok(havre, 'incremental')?.totalMs;
  const rr = ok(restic, 'incremental')?.totalMs;
  const verdict = hr !== undefined && rr !== undefined ? `Havre ${s(hr, 2)} against restic ${s(rr, 2)}: ${hr <= rr ? '**no slower**' : `**${((hr / rr - 1) * 100).toFixed(0)} % slower**`} than restic (no §7 budget of its own; the no-op budget, "no slower than restic", is the nearest).` : '';
  const change = m
    ? `Between the no-op backup and this one, ${(m.fraction * 100).toFixed(0)} % of the corpus's files changed, the same way for every tool (seed \`${m.seed}\`): ` +
      `${m.counts.rewrite} saved again in place at the same size (whole up to 1 MiB, else one block range, as a mail archive or database does), ${m.counts.append} appended to, ${m.counts.create} new, ${m.counts.delete} deleted — ` +
      `${fmtBytes(m.bytesWritten)} written and ${fmtBytes(m.bytesDeleted)} deleted; the tree went from ${m.filesBefore.toLocaleString('en-US')} to ${m.filesAfter.toLocaleString('en-US')} files. Changed files get a later mtime, as an editor leaves them. ` +
      'The restore that follows (Full restore) is of this incremental snapshot and is checked against the changed tree; the corpus is put back afterwards.'
    : `${NM}: the change before the incremental backups was not recorded.`;
  return [change, '', table(head, rows), '', `"Havre's time ÷ the tool's": below 1, Havre took less time (restic → S3 is set against Havre → S3, the others against Havre to a folder). Repository growth: repository size after the incremental backup minus after the no-op backup; "growth ÷ bytes written" shows what compression and deduplication (of the unchanged parts of a file saved again) kept of the changed bytes.`, ...(verdict ? ['', verdict] : [])].join('\n');
}

function bigRow(b: BigFilesResults, label: string, f: (t: ToolResult) => string): string[] {
  return [label, ...b.tools.map((t) => (t.available ? f(t) : `not available: ${t.unavailableReason ?? '?'}`))];
}

export function bigFilesSection(r: BenchResults): string | null {
  const b = r.bigFiles;
  if (!b) return null;
  const havre = b.tools.find((t) => t.tool === 'havre');
  const restic = b.tools.find((t) => t.tool === 'restic');
  const vs = (step: 'backup' | 'restore'): string => {
    const q = ratio(ok(havre, step)?.mibPerSec, ok(restic, step)?.mibPerSec);
    return atLeast(q, 1.5, fmtRatio);
  };
  const rows = [
    bigRow(b, 'Full backup', (t) => rate(ok(t, 'backup')?.mibPerSec)),
    bigRow(b, 'Full restore (verified)', (t) => (t.steps.restore.status === 'failed' ? '**FAILED**' : rate(ok(t, 'restore')?.mibPerSec))),
    bigRow(b, 'CPU time: backup / restore', (t) => `${s(ok(t, 'backup')?.cpuMs)} / ${s(ok(t, 'restore')?.cpuMs)}`),
    bigRow(b, 'Peak RSS: backup / restore', (t) => `${mib(ok(t, 'backup')?.peakRssBytes)} / ${mib(ok(t, 'restore')?.peakRssBytes)}`),
    bigRow(b, 'Repository size', (t) => (t.steps.backup.status === 'ok' && t.repoAfterBackup ? `${mib(t.repoAfterBackup.apparentBytes)} (${((t.repoAfterBackup.apparentBytes / b.totalBytes) * 100).toFixed(0)} %)` : NM)),
    bigRow(b, 'Status', (t) => [t.steps.backup, t.steps.restore].map((m) => status(t, m)).join('; ')),
  ];
  const files = b.files.map((f) => `\`${f.path}\` (${fmtBytes(f.size)}: ${f.content})`).join(', ');
  return [
    `Two files of ${fmtBytes(b.files[0]?.size ?? 0)} each, ${fmtBytes(b.totalBytes)} in all, in a folder of their own, backed up to a fresh repository and restored by the tools storing to a local folder: ${files}. Generated from the seed in ${s(b.generationMs)}.`,
    '',
    table(['', ...b.tools.map((t) => NAMES[t.tool])], rows),
    '',
    `Havre ≥ 1.5× restic's throughput on these files (the §7 budget, applied to them): backup ${vs('backup')}; restore ${vs('restore')}.`,
  ].join('\n');
}
