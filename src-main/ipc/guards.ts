// The primitive runtime guards every request validator of the contract is built from. Pure
// TypeScript (the renderer bundles it). Re-exported by contract.ts.

/** Longest path accepted across IPC (Windows long paths are 32,767 UTF-16 units). */
export const MAX_PATH_LENGTH = 32_767;

export type PlainObject = Record<string, unknown>;

/**
 * A plain data object: its prototype is null or some realm's Object.prototype (structured clone,
 * contextBridge and JSON all produce these). Class instances, arrays and functions are not.
 */
export function isPlainObject(value: unknown): value is PlainObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (Object.prototype.toString.call(value) !== '[object Object]') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** True when `value` has every required key, no key outside required ∪ optional. */
export function hasExactKeys(value: PlainObject, required: readonly string[], optional: readonly string[] = []): boolean {
  for (const key of required) if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
  for (const key of Object.keys(value)) if (!required.includes(key) && !optional.includes(key)) return false;
  return true;
}

export function isSnapshotId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8,64}$/.test(value);
}

export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value);
}

/** A path inside a snapshot: non-empty, bounded, no NUL. The engine resolves it inside the tree. */
export function isSnapshotPath(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_PATH_LENGTH && !value.includes('\0');
}

/** An absolute path on this machine: POSIX '/…', Windows 'C:\…' or 'C:/…', or UNC '\\server\…'. */
export function isAbsoluteLocalPath(value: unknown): value is string {
  if (!isSnapshotPath(value)) return false;
  return value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value) || /^\\\\[^\\]/.test(value);
}

/** A whole number in [min, max]. */
export function isIntIn(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

/** A string of 1 to `max` UTF-16 units without NUL. */
export function isBoundedText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !value.includes('\0');
}
