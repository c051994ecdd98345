import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApplianceError } from '../errors/index.js';

export const GLOBAL_OPTIONS = {
  data: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Parses a command's arguments strictly: an unknown option is a usage error, never ignored. */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new ApplianceError('USAGE', { detail: e instanceof Error ? e.message : String(e) });
  }
}

/** The data folder: --data, else HAVRE_APPLIANCE_DATA. */
export function dataDir(value: string | undefined): string {
  const dir = value ?? process.env.HAVRE_APPLIANCE_DATA;
  if (!dir) throw new ApplianceError('NO_DATA_DIR');
  return dir;
}

export function positional(positionals: string[], index: number, what: string): string {
  const v = positionals[index];
  if (v === undefined) throw new ApplianceError('USAGE', { detail: `missing ${what}` });
  return v;
}

export function noMorePositionals(positionals: string[], expected: number): void {
  if (positionals.length > expected) throw new ApplianceError('USAGE', { detail: `unexpected argument “${positionals[expected]}”` });
}

export function numberArg(value: string, what: string, opts: { integer?: boolean; min?: number } = {}): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isSafeInteger(n)) || n < (opts.min ?? 0)) {
    throw new ApplianceError('USAGE', { detail: `${what} must be a ${opts.integer ? 'whole ' : ''}number ≥ ${opts.min ?? 0}, not “${value}”` });
  }
  return n;
}

const UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, KB: 1024, KIB: 1024, M: 1024 ** 2, MB: 1024 ** 2, MIB: 1024 ** 2, G: 1024 ** 3, GB: 1024 ** 3, GIB: 1024 ** 3, T: 1024 ** 4, TB: 1024 ** 4, TIB: 1024 ** 4 };

/** "1073741824", "500M", "20GiB" (binary units); "none" = null (unlimited). */
export function bytesArg(value: string): number | null {
  if (value.toLowerCase() === 'none' || value.toLowerCase() === 'unlimited') return null;
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value.trim());
  const unit = m ? UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined) throw new ApplianceError('USAGE', { detail: `a size is a number of bytes with an optional unit (K, M, G, T), or “none”, not “${value}”` });
  return Math.round(Number(m[1]) * unit);
}
