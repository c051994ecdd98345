// One byte range, `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` (RFC 9110 §14.1.2). Several ranges
// are not offered (PROTOCOL.md §6): the client reads one pack entry at a time.
import { ApplianceError } from '../errors/index.js';
import type { ByteRange } from '../vault/ObjectVault.js';

const RANGE = /^bytes=(\d{0,15})-(\d{0,15})$/;

/** null: no Range header (the whole object). RANGE_INVALID when it lies outside the object. */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  if (header === undefined) return null;
  const m = RANGE.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw new ApplianceError('BAD_REQUEST', { reason: 'Range must be one range: bytes=a-b, bytes=a- or bytes=-n' });
  if (m[1] === '') {
    const n = Number(m[2]); // the last n bytes
    if (n === 0 || size === 0) throw new ApplianceError('RANGE_INVALID', { size });
    const length = Math.min(n, size);
    return { offset: size - length, length };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) throw new ApplianceError('BAD_REQUEST', { reason: 'Range ends before it starts' });
  if (start >= size) throw new ApplianceError('RANGE_INVALID', { size });
  return { offset: start, length: end - start + 1 };
}
