import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HavreError } from '../engine/errors/index.js';

export const GLOBAL_OPTIONS = {
  repo: { type: 'string' },
  json: { type: 'boolean', default: false },
  'password-stdin': { type: 'boolean', default: false },
  'recovery-key-stdin': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  // Bandwidth limits for an appliance repository, in KiB/s (0 or absent: unlimited).
  'limit-upload': { type: 'string' },
  'limit-download': { type: 'string' },
  // Read from one target only (snapshots, ls, restore, verify): `havre target list` names them.
  // Restore's --target is where files go (as in restic), so reading commands also take --from.
  from: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Reading an appliance repository with a password, from any computer (snapshots, ls, restore, machines). */
export const SESSION_OPTIONS = {
  as: { type: 'string' },
  appliance: { type: 'string' },
  'ca-fingerprint': { type: 'string' },
  user: { type: 'string' },
  machine: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Parses a command's arguments strictly; unknown options are a usage error, not ignored. */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new HavreError('USAGE', { detail: e instanceof Error ? e.message : String(e) });
  }
}

export function intOption(value: string | undefined, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new HavreError('USAGE', { detail: `--${name} needs a whole number ≥ ${min}, not “${value}”` });
  return n;
}

/** `--target NAME` of the reading commands that have no other --target (snapshots, ls, verify). */
export const TARGET_OPTION = { target: { type: 'string' } } as const satisfies ParseArgsConfig['options'];

/** The target to read from: --from, or --target where it means that. */
export function readFrom(values: { from?: string | undefined; target?: string | undefined }): { from?: string } {
  const from = values.from ?? values.target;
  if (values.from !== undefined && values.target !== undefined && values.from !== values.target) throw new HavreError('USAGE', { detail: '--from and --target name different targets' });
  return from !== undefined ? { from } : {};
}
