// Strict base64 for the keys record: Node's decoder silently skips junk, which would let two
// different texts name the same bytes. Only canonical, padded RFC 4648 §4 text is accepted.
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes canonical base64, or returns null when the text is not canonical base64. */
export function decodeBase64Strict(s: string): Buffer | null {
  if (!B64.test(s)) return null;
  const buf = Buffer.from(s, 'base64');
  // Rejects non-zero trailing bits ("QQ==" vs "QR=="), which the regex alone lets through.
  return buf.toString('base64') === s ? buf : null;
}
