// Formatting shared by the report's sections: only measured figures, "not measured" otherwise.
import { MiB } from './lib/util.js';
import type { StepMeasure, StepName, ToolResult } from './results.js';
import type { ToolName } from './tools/types.js';

export const NM = 'not measured';
export const NAMES: Record<ToolName, string> = {
  havre: 'Havre',
  'havre-appliance': 'Havre → appliance',
  'havre-s3': 'Havre → S3',
  restic: 'restic',
  'restic-s3': 'restic → S3',
  borg: 'borg',
};

/** The Havre a tool is compared with: Havre → S3 for restic → S3 (same server), else Havre (fs). */
export function peerOf(tool: ToolName): ToolName {
  return tool === 'restic-s3' ? 'havre-s3' : 'havre';
}

export function s(ms: number | undefined, digits = 1): string {
  return ms === undefined ? NM : `${(ms / 1000).toFixed(digits)} s`;
}

export function mib(bytes: number | undefined, digits = 0): string {
  return bytes === undefined ? NM : `${(bytes / MiB).toFixed(digits)} MiB`;
}

export function rate(v: number | undefined): string {
  return v === undefined ? NM : `${v.toFixed(1)} MiB/s`;
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}

export function x(v: number | undefined): string {
  return v === undefined ? NM : `${v.toFixed(2)}×`;
}

export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function table(head: string[], rows: string[][]): string {
  const line = (cols: string[]): string => `| ${cols.map(cell).join(' | ')} |`;
  return [line(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

export function status(t: ToolResult, m: StepMeasure): string {
  if (!t.available) return `not available: ${t.unavailableReason ?? '?'}`;
  switch (m.status) {
    case 'ok':
      return m.verify ? `ok, restore verified (${m.verify.detail})` : 'ok';
    case 'failed':
      return `**FAILED**: ${m.reason ?? '?'}`;
    case 'skipped':
      return `not measured (${m.reason ?? 'skipped'})`;
    case 'unavailable':
      return `not available: ${m.reason ?? '?'}`;
  }
}

export function ok(t: ToolResult | undefined, step: StepName): StepMeasure | undefined {
  const m = t?.steps[step];
  return t?.available && m?.status === 'ok' ? m : undefined;
}

