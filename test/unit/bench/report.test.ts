// The report's new sections (bench/report.ts, reportSeries.ts, million/report.ts) and the budget
// verdicts (bench/budgets.ts), from hand-made results: the figures printed are the ones given, a
// budget is "met" or "not met" with the distance, and results of older harnesses (no incremental
// step, no multi-GiB files, no million-file results) still render, saying "not measured".
// Bad inputs tried: undefined and NaN figures; a results file lacking the new steps and sections; a
// million-file series whose Havre backup failed; one whose queries were not measured.
import { describe, expect, it } from 'vitest';
import { atLeast, atMost, fmtMB, fmtMsShort, fmtRatio } from '../../../bench/budgets.js';
import { renderMarkdown } from '../../../bench/report.js';
import { manyFilesTargets, renderManyFilesSection } from '../../../bench/million/report.js';
import type { ManyFilesResults } from '../../../bench/million/results.js';
import { normalizeResults, type BenchResults, type StepMeasure, type ToolResult } from '../../../bench/results.js';
import { panels } from '../../../bench/chart.js';
import type { ToolName } from '../../../bench/tools/types.js';

const MiB = 1024 * 1024;
const step = (totalMs: number, extra: Partial<StepMeasure> = {}): StepMeasure => ({ status: 'ok', totalMs, processMs: totalMs, syncMs: 0, cpuMs: totalMs / 2, peakRssBytes: 100 * MiB, otherLoad: 0, ...extra });
const usage = (bytes: number): { apparentBytes: number; allocatedBytes: number; files: number } => ({ apparentBytes: bytes, allocatedBytes: bytes, files: 3 });

function tool(name: ToolName, speed: number): ToolResult {
  return {
    tool: name,
    version: '1',
    available: true,
    settings: ['defaults'],
    steps: {
      init: step(100),
      backup: step(1000 / speed, { mibPerSec: 64 * speed }),
      noop: step(300 / speed),
      incremental: step(400 / speed),
      restore: step(800 / speed, { mibPerSec: 80 * speed, verify: { ok: true, detail: 'identical', restoredRoot: '/x', ms: 1 } }),
    },
    repoAfterBackup: usage(48 * MiB),
    repoAfterNoop: usage(48 * MiB),
    repoAfterIncremental: usage(48 * MiB + 1_500_000),
  };
}

function results(): BenchResults {
  return {
    schema: 1,
    date: '2026-12-06T05:00:00.000Z',
    command: 'npm run bench -- --preset small',
    machine: { cpuModel: 'Test CPU', logicalCpus: 2, cpuFlags: [], ramBytes: 1, os: 'Debian', kernel: 'Linux', workFs: 'ext4', node: 'v20', virtualized: false, gitCommit: null } as unknown as BenchResults['machine'],
    toolVersions: { havre: '0.1', restic: '0.16', borg: '1.2' },
    coldCache: true,
    rssMethod: 'rss',
    timeMethod: 'time',
    corpus: { preset: 'small', seed: '1', targetBytes: 64 * MiB, totalBytes: 64 * MiB, files: 762, dirs: 100, emptyDirs: 3, categories: [], generationMs: 1, reused: false },
    limits: null,
    tools: [tool('havre', 2), tool('restic', 1), tool('borg', 1)],
    mutation: { seed: '1', fraction: 0.01, counts: { rewrite: 3, append: 2, create: 2, delete: 1 }, filesBefore: 762, filesAfter: 763, bytesBefore: 64 * MiB, bytesAfter: 65 * MiB, bytesWritten: 1_200_000, bytesDeleted: 9000, applyMs: 5 },
    bigFiles: {
      files: [{ path: 'Videos/a.mov', size: 64 * MiB, content: 'video export: incompressible' }, { path: 'VMs/disk.vdi', size: 64 * MiB, content: 'VM disk image' }],
      totalBytes: 128 * MiB,
      generationMs: 900,
      tools: [tool('havre', 1.2), tool('restic', 1)],
    },
  };
}

function million(peakRss: number): ManyFilesResults {
  const t = (name: ToolName, rss: number): ToolResult => {
    const r = tool(name, 1);
    r.steps.backup.peakRssBytes = rss;
    return r;
  };
  return {
    schema: 1,
    date: '2026-12-06T06:00:00.000Z',
    command: 'npm run bench -- --preset million',
    durationMs: 1,
    machine: results().machine,
    toolVersions: {},
    coldCache: true,
    tree: { seed: '1', files: 1_000_000, dirs: 80_000, totalBytes: 2.4e9, maxDepth: 14, wideDir: 'Mail/cur', wideDirFiles: 30_000, generationMs: 1, reused: false },
    tools: [t('havre', peakRss), t('restic', 300e6)],
    queries: {
      list: { n: 50, firstMs: 30, medianMs: 3, p95Ms: 12.5, maxMs: 20 },
      versions: { n: 30, firstMs: 900, medianMs: 1, p95Ms: 64, maxMs: 80 },
      search: { n: 10, firstMs: 40, medianMs: 5, p95Ms: 49.9, maxMs: 50 },
      largestFolderEntries: 30_000,
      rssBytes: 150 * MiB,
    },
  };
}

describe('budget verdicts', () => {
  it('say met with the margin, or not met with the distance', () => {
    expect(atMost(150e6, 200e6, fmtMB)).toBe('**met**: 150 MB (budget 200 MB, 25 % to spare)');
    expect(atMost(250e6, 200e6, fmtMB)).toBe('**not met**: 250 MB, 50 MB (25 %) over the budget of 200 MB');
    expect(atMost(50, 50, fmtMsShort)).toMatch(/^\*\*met\*\*/);
    expect(atLeast(1.2, 1.5, fmtRatio)).toBe('**not met**: 1.20×, 20 % short of 1.50×');
    expect(atLeast(1.5, 1.5, fmtRatio)).toBe('**met**: 1.50× (budget 1.50×)');
    for (const v of [undefined, Number.NaN]) {
      expect(atMost(v, 1, fmtMB)).toBe('not measured');
      expect(atLeast(v, 1, fmtRatio)).toBe('not measured');
    }
  });
});

describe('report: incremental series and multi-GiB files', () => {
  it('shows the change, the incremental figures, the repository growth and the multi-GiB files against the budget', () => {
    const md = renderMarkdown(results());
    expect(md).toContain('## Incremental backup (1 % of files changed)');
    expect(md).toContain('3 saved again in place at the same size');
    expect(md).toContain('2 appended to, 2 new, 1 deleted');
    expect(md).toMatch(/\| Havre \| 0\.20 s \| 0\.10 s \| 100 MiB \| 1\.4 MiB \| 125 % \| — \| ok \|/);
    expect(md).toMatch(/\| restic \| 0\.40 s .* \| 0\.50× \| ok \|/);
    expect(md).toContain('| Incremental backup (1 % of files changed) | 0.20 s | 0.40 s | 0.40 s |');
    expect(md).toContain('### Incremental backup (1 % of files changed)');
    expect(md).toContain('## Multi-GiB files');
    expect(md).toContain('backup **not met**: 1.20×, 20 % short of 1.50×; restore **not met**: 1.20×');
    // no million-file results yet: the targets say how to get them
    expect(md).toContain('| Engine under 200 MB RSS while backing up 1 million files | not measured (run `npm run bench -- --preset million`');
  });

  it('renders results of an older harness (no incremental step, no new sections) without inventing figures', () => {
    const old = results() as Partial<BenchResults> & BenchResults;
    delete old.mutation;
    delete old.bigFiles;
    for (const t of old.tools) {
      delete (t.steps as Partial<ToolResult['steps']>).incremental;
      delete t.repoAfterIncremental;
    }
    const r = normalizeResults(old);
    const md = renderMarkdown(r);
    expect(md).not.toContain('\n## Incremental backup');
    expect(md).not.toContain('### Incremental backup');
    expect(md).not.toContain('\n## Multi-GiB files');
    expect(md).not.toContain('| Incremental backup (1 % of files changed) |');
    expect(md).not.toContain('1 % of the files change');
    expect(() => panels(r)).not.toThrow();
    expect(panels(r).map((p) => p.title)).not.toContain('Incremental backup, 1 % of files changed (seconds)');
    expect(panels(results()).map((p) => p.title)).toContain('Incremental backup, 1 % of files changed (seconds)');
  });
});

describe('report: a million files', () => {
  it('puts the peak RSS and each query kind beside their budgets', () => {
    const m = million(250e6);
    const t = manyFilesTargets(m);
    expect(t?.rss).toBe('**not met**: 250 MB, 50 MB (25 %) over the budget of 200 MB');
    expect(t?.queries).toBe('list: **met**: 12.5 ms at p95; versions: **not met**: 64.0 ms, 14.0 ms (28 %) over the budget of 50.0 ms at p95; search: **met**: 49.9 ms at p95');
    const md = renderManyFilesSection(m);
    expect(md).toContain('A seeded tree of **1,000,000 files**');
    expect(md).toContain('| A file\'s versions | 900.0 ms | 1.00 ms | 64.0 ms | 80.0 ms | 30 | **not met**');
    expect(renderMarkdown(results(), null, m)).toContain('| Engine under 200 MB RSS while backing up 1 million files | **not met**: 250 MB');
    expect(manyFilesTargets(million(150e6))?.rss).toMatch(/^\*\*met\*\*: 150 MB/);
  });

  it('says when the tree was smaller than a million, when Havre failed and when queries were not measured', () => {
    const small = million(150e6);
    small.tree.files = 20_000;
    expect(manyFilesTargets(small)?.rss).toContain('(on 20,000 files, not 1 million: an indication only)');
    const failed = million(150e6);
    const havre = failed.tools[0] as ToolResult;
    havre.steps.backup = { status: 'failed', reason: 'exit 1' };
    delete failed.queries;
    failed.queriesError = "Havre's full backup did not succeed";
    expect(manyFilesTargets(failed)).toEqual({ rss: "**not met** (Havre's backup FAILED)", queries: "not measured (Havre's full backup did not succeed)" });
    expect(renderManyFilesSection(failed)).toContain("not measured: Havre's full backup did not succeed.");
    expect(manyFilesTargets(null)).toBeNull();
  });
});
