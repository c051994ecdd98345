// docs/benchmarks.svg: one small horizontal bar panel per headline figure, one bar per tool, each
// panel on its own scale, the §7 target drawn where there is one. Plain SVG, no dependencies.
import { CONTENTION_WARN, maxOtherLoad, type BenchResults, type ToolResult } from './results.js';
import type { ToolName } from './tools/types.js';
import { MiB } from './lib/util.js';

const COLORS: Record<ToolName, string> = { havre: '#009E73', 'havre-appliance': '#56B4E9', 'havre-s3': '#CC79A7', restic: '#0072B2', 'restic-s3': '#D55E00', borg: '#E69F00' };
const LABELS: Record<ToolName, string> = { havre: 'Havre', 'havre-appliance': 'Havre → appliance', 'havre-s3': 'Havre → S3', restic: 'restic', 'restic-s3': 'restic → S3', borg: 'borg' };

/** Havre and the tool it is compared with on the same kind of repository */
const PAIRS: readonly (readonly [ToolName, ToolName])[] = [['havre', 'restic'], ['havre-s3', 'restic-s3']];

interface Bar {
  tool: ToolName;
  value: number | null;
  text: string;
  /** shown instead of a bar */
  note?: string;
  failed?: boolean;
}

interface Panel {
  title: string;
  better: 'higher' | 'lower';
  bars: Bar[];
  target?: { value: number; label: string };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function noteFor(t: ToolResult, step: 'backup' | 'noop' | 'incremental' | 'restore'): { note: string; failed: boolean } {
  if (!t.available) return { note: 'not available', failed: false };
  const m = t.steps[step];
  if (m.status === 'failed') return { note: 'FAILED', failed: true };
  return { note: 'not measured', failed: false };
}

/** Seconds per tool for a step, with Havre's time as a multiple of its peer's; a dashed line at
 *  restic's time when `targetLabel` is given. */
function timePanel(r: BenchResults, step: 'noop' | 'incremental', title: string, targetLabel?: string): Panel {
  const bars: Bar[] = r.tools.map((t) => {
    const m = t.steps[step];
    return m.status === 'ok' && m.totalMs !== undefined ? { tool: t.tool, value: m.totalMs / 1000, text: `${(m.totalMs / 1000).toFixed(2)} s` } : { tool: t.tool, value: null, text: '', ...noteFor(t, step) };
  });
  for (const [h, o] of PAIRS) {
    const hb = bars.find((b) => b.tool === h);
    const ob = bars.find((b) => b.tool === o);
    if (hb?.value != null && ob?.value) hb.text += ` · ${(hb.value / ob.value).toFixed(2)}× ${LABELS[o]}'s time`;
  }
  const restic = r.tools.find((t) => t.tool === 'restic');
  const rv = restic?.steps[step].status === 'ok' ? restic.steps[step].totalMs : undefined;
  const target = targetLabel && rv !== undefined && r.tools.some((t) => t.tool === 'havre') ? { value: rv / 1000, label: targetLabel } : undefined;
  return { title, better: 'lower', bars, target };
}

export function panels(r: BenchResults): Panel[] {
  const tools = r.tools;
  const restic = tools.find((t) => t.tool === 'restic');
  const out: Panel[] = [];
  for (const step of ['backup', 'restore'] as const) {
    const bars: Bar[] = tools.map((t) => {
      const v = t.steps[step].status === 'ok' ? t.steps[step].mibPerSec ?? null : null;
      return v !== null ? { tool: t.tool, value: v, text: `${v.toFixed(1)} MiB/s` } : { tool: t.tool, value: null, text: '', ...noteFor(t, step) };
    });
    const rv = restic?.steps[step].status === 'ok' ? restic.steps[step].mibPerSec : undefined;
    for (const [h, o] of PAIRS) {
      const hb = bars.find((b) => b.tool === h);
      const ob = bars.find((b) => b.tool === o);
      if (hb?.value != null && ob?.value) hb.text += ` · ${(hb.value / ob.value).toFixed(2)}× ${LABELS[o]}`;
    }
    const hasHavre = tools.some((t) => t.tool === 'havre');
    out.push({
      title: step === 'backup' ? 'Full backup throughput (MiB/s)' : 'Full restore throughput (MiB/s, verified)',
      better: 'higher',
      bars,
      target: rv !== undefined && hasHavre ? { value: 1.5 * rv, label: 'Havre target 1.5× restic' } : undefined,
    });
  }
  out.push(timePanel(r, 'noop', 'No-op backup of the unchanged tree (seconds)', 'Havre target ≤ restic'));
  if (tools.some((t) => t.steps.incremental.status === 'ok')) out.push(timePanel(r, 'incremental', 'Incremental backup, 1 % of files changed (seconds)'));
  out.push({
    title: 'Repository size after both backups (MiB)',
    better: 'lower',
    bars: tools.map((t) => {
      const u = t.repoAfterNoop ?? t.repoAfterBackup;
      return u && t.steps.backup.status === 'ok' ? { tool: t.tool, value: u.apparentBytes / MiB, text: `${(u.apparentBytes / MiB).toFixed(0)} MiB` } : { tool: t.tool, value: null, text: '', ...noteFor(t, 'backup') };
    }),
    target: { value: r.corpus.totalBytes / MiB, label: 'corpus size' },
  });
  out.push({
    title: 'Peak RSS, largest over all steps (MiB)',
    better: 'lower',
    bars: tools.map((t) => {
      const peaks = Object.values(t.steps).filter((m) => m.status === 'ok' && m.peakRssBytes !== undefined).map((m) => m.peakRssBytes ?? 0);
      return peaks.length && t.available ? { tool: t.tool, value: Math.max(...peaks) / MiB, text: `${(Math.max(...peaks) / MiB).toFixed(0)} MiB` } : { tool: t.tool, value: null, text: '', ...noteFor(t, 'backup') };
    }),
  });
  return out;
}

export function renderChart(r: BenchResults): string {
  const ps = panels(r);
  const W = 760;
  const left = 78;
  const barArea = 500;
  const barH = 18;
  const gap = 6;
  const hasNotes = (r.runs ?? 1) > 1 || !r.coldCache || (maxOtherLoad(r) ?? 0) >= CONTENTION_WARN;
  const headerH = hasNotes ? 70 : 52;
  const panelTitleH = 22;
  const panelPad = 16;
  const parts: string[] = [];
  let y = headerH;
  for (const p of ps) {
    const max = Math.max(...p.bars.map((b) => b.value ?? 0), p.target?.value ?? 0) * 1.08 || 1;
    const x = (v: number): number => left + (v / max) * barArea;
    parts.push(`<text x="12" y="${y + 15}" class="pt">${esc(p.title)}</text><text x="${W - 12}" y="${y + 15}" class="hint" text-anchor="end">${p.better} is better</text>`);
    let by = y + panelTitleH;
    const top = by;
    const bottom = top + p.bars.length * (barH + gap) - gap;
    const labels: string[] = [];
    for (const b of p.bars) {
      parts.push(`<text x="${left - 8}" y="${by + 13}" text-anchor="end" class="lbl">${LABELS[b.tool]}</text>`);
      if (b.value !== null) {
        const w = Math.max(1, x(b.value) - left);
        parts.push(`<rect x="${left}" y="${by}" width="${w.toFixed(1)}" height="${barH}" rx="2" fill="${COLORS[b.tool]}"/>`);
        labels.push(`<text x="${(left + w + 6).toFixed(1)}" y="${by + 13}" class="val">${esc(b.text)}</text>`);
      } else {
        parts.push(`<rect x="${left}" y="${by}" width="${barArea}" height="${barH}" rx="2" fill="none" stroke="#bbb" stroke-dasharray="3 3"/>`);
        labels.push(`<text x="${left + 8}" y="${by + 13}" class="${b.failed ? 'fail' : 'na'}">${esc(b.note ?? 'not measured')}</text>`);
      }
      by += barH + gap;
    }
    if (p.target) {
      const tx = x(p.target.value);
      parts.push(`<line x1="${tx.toFixed(1)}" y1="${top - 3}" x2="${tx.toFixed(1)}" y2="${bottom + 3}" stroke="#222" stroke-width="1.5" stroke-dasharray="4 3"/>`);
      parts.push(`<text x="${tx.toFixed(1)}" y="${bottom + 15}" text-anchor="middle" class="tgt">${esc(p.target.label)}</text>`);
    }
    parts.push(...labels);
    if (p.target) by += 12;
    y = by + panelPad;
  }
  const H = y + 18;
  const corpus = `${(r.corpus.totalBytes / MiB).toFixed(0)} MiB corpus (${r.corpus.files.toLocaleString('en-US')} files)`;
  const other = maxOtherLoad(r);
  const notes = [(r.runs ?? 1) > 1 ? `median of ${r.runs} runs` : '', r.coldCache ? '' : 'warm cache', other !== undefined && other >= CONTENTION_WARN ? `shared machine: other processes used up to ${(other ?? 0).toFixed(1)} of ${r.machine.logicalCpus} CPUs, see report` : ''].filter(Boolean);
  const subtitle = [corpus, `${r.machine.cpuModel}, ${r.machine.logicalCpus} CPUs`, r.date.slice(0, 10)].join(' · ');
  const noteLine = notes.length ? `<text x="12" y="56" class="warn">${esc(notes.join(' · '))}</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif">
<style>
.t{font-size:16px;font-weight:600;fill:#222}.st{font-size:11.5px;fill:#555}.pt{font-size:13px;font-weight:600;fill:#222}
.hint{font-size:11px;fill:#777;font-style:italic}.lbl{font-size:12px;fill:#222}.val{font-size:12px;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
.warn{font-size:11.5px;fill:#b00020;font-weight:600}.na{font-size:12px;fill:#888;font-style:italic}.fail{font-size:12px;fill:#c00;font-weight:600}.tgt{font-size:10.5px;fill:#333}
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" class="t">Havre vs restic vs borg</text>
<text x="12" y="40" class="st">${esc(subtitle)}</text>
${noteLine}
${parts.join('\n')}
<text x="12" y="${H - 6}" class="st">Generated by bench/run.ts · ${esc(r.command)} · details in docs/BENCHMARKS.md</text>
</svg>
`;
}
