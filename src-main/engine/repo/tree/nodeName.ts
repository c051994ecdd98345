/** Why a name is not a safe single path component, or null when it is. */
export function unsafeNameReason(name: unknown): string | null {
  if (typeof name !== 'string') return 'the name is not text';
  if (name.length === 0) return 'the name is empty';
  if (name === '.' || name === '..') return `the name is “${name}”`;
  if (name.includes('/')) return 'the name contains “/”';
  if (name.includes('\\') && process.platform === 'win32') return 'the name contains “\\”';
  if (name.includes('\0')) return 'the name contains a NUL character';
  return null;
}

/** Byte-wise UTF-8 order, so every implementation sorts names the same way. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
