// The report's section on the many-files series (benchmarks-million.json), and its two rows of the
// §7 targets table: the engine's peak RSS backing up a million files, the restore browser's queries.
import { atMost, fmtMB, fmtMsShort } from '../budgets.js';
import { fmtBytes } from '../lib/util.js';
import { QUERY_KINDS, QUERY_TITLES } from '../lib/catalogQueries.js';
import { mib, NAMES, NM, ok, s, status, table } from '../reportFormat.js';
import { MILLION, QUERY_BUDGET_MS, RSS_BUDGET_BYTES, type ManyFilesResults } from './results.js';

const n = (v: number): string => v.toLocaleString('en-US');

/** "at 20,000 files, not 1 million" when the tree is smaller than the budget's. */
function scale(r: ManyFilesResults): string {
  return r.tree.files >= MILLION ? '' : ` (on ${n(r.tree.files)} files, not 1 million: an indication only)`;
}

function havrePeak(r: ManyFilesResults): number | undefined {
  return ok(r.tools.find((t) => t.tool === 'havre'), 'backup')?.peakRssBytes;
}

export function manyFilesTargets(r: ManyFilesResults | null): { rss: string; queries: string } | null {
  if (!r) return null;
  const havre = r.tools.find((t) => t.tool === 'havre');
  const rss = !havre ? `${NM} (Havre not in that run)` : havre.steps.backup.status === 'failed' ? '**not met** (Havre\'s backup FAILED)' : atMost(havrePeak(r), RSS_BUDGET_BYTES, fmtMB) + scale(r);
  const q = r.queries;
  const queries = q
    ? QUERY_KINDS.map((k) => `${k}: ${atMost(q[k].p95Ms, QUERY_BUDGET_MS, fmtMsShort).replace(/ \(budget[^)]*\)/, '')} at p95`).join('; ') + scale(r)
    : `${NM}${r.queriesError ? ` (${r.queriesError})` : ''}`;
  return { rss, queries };
}

export function renderManyFilesSection(r: ManyFilesResults): string {
  const t = r.tree;
  const date = r.date.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const rows = r.tools.map((tool) => {
    const b = ok(tool, 'backup');
    const o = ok(tool, 'noop');
    const repo = tool.steps.backup.status === 'ok' ? (tool.repoAfterNoop ?? tool.repoAfterBackup) : undefined;
    return [
      NAMES[tool.tool],
      s(b?.totalMs),
      b?.totalMs ? `${Math.round(t.files / (b.totalMs / 1000)).toLocaleString('en-US')} files/s` : NM,
      mib(b?.peakRssBytes),
      s(o?.totalMs, 2),
      mib(o?.peakRssBytes),
      `${s(b?.cpuMs)} / ${s(o?.cpuMs)}`,
      repo ? mib(repo.apparentBytes) : NM,
      [tool.steps.backup, tool.steps.noop].map((m) => status(tool, m)).join('; '),
    ];
  });
  const q = r.queries;
  const qRows = q
    ? QUERY_KINDS.map((k) => [QUERY_TITLES[k], fmtMsShort(q[k].firstMs), fmtMsShort(q[k].medianMs), fmtMsShort(q[k].p95Ms), fmtMsShort(q[k].maxMs), String(q[k].n), atMost(q[k].p95Ms, QUERY_BUDGET_MS, fmtMsShort)])
    : [];
  const targets = manyFilesTargets(r);
  return [
    '## A million files',
    '',
    `Measured on **${date}** by \`${r.command}\`${r.coldCache ? '' : ' (**warm cache**: the page cache could not be dropped)'}; raw results in [benchmarks-million.json](benchmarks-million.json). ` +
      `A seeded tree of **${n(t.files)} files** (${fmtBytes(t.totalBytes)}, 32 B–16 KiB each, 70 % text) in ${n(t.dirs)} folders up to ${t.maxDepth} deep, one of them holding ${n(t.wideDirFiles)} files (\`${t.wideDir}\`)` +
      `${t.reused ? '; reused from a kept work folder' : `; generated in ${s(t.generationMs)}`}. Each tool makes a full backup, then a no-op backup of the unchanged tree, to a local folder; the peak RSS is the tool's whole process tree (for Havre, the CLI: engine plus Node runtime).`,
    '',
    table(['Tool', 'Full backup', 'Files per second', 'Peak RSS (full)', 'No-op backup', 'Peak RSS (no-op)', 'CPU: full / no-op', 'Repository', 'Status'], rows),
    '',
    `**Engine under 200 MB RSS while backing up 1 million files** (DESIGN.md §7; MB = 10^6 bytes, 200 MB = 191 MiB): ${targets?.rss ?? NM}.`,
    '',
    "### The restore browser's queries on that repository",
    '',
    q
      ? `Through the engine's own API (\`EngineService.browseList\`, \`fileVersions\`, \`search\`: what the renderer calls over IPC), in the harness's process, on Havre's repository after both backups: pages of 200 entries at seeded random offsets in a sample of folders (the largest, ${n(q.largestFolderEntries)} entries, among them), the versions of files spread over the tree, name searches (200 hits at most, one matching nothing). The first call of each kind is apart: it opens the catalog or builds an index. Budget (issue 9): under ${QUERY_BUDGET_MS} ms each, read here at p95.`
      : `${NM}${r.queriesError ? `: ${r.queriesError}` : ''}.`,
    ...(q ? ['', table(['Query', 'First call', 'Median', 'p95', 'Max', 'Timed calls', `p95 against ${QUERY_BUDGET_MS} ms`], qRows), '', `Resident memory of the process holding the engine after the queries: ${mib(q.rssBytes)}.`] : []),
  ].join('\n');
}
