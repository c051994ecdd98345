// Previews before restoring: the start of a text file, or a small image, read from the repository,
// authenticated and decrypted in memory only — nothing is written to disk (DESIGN.md §6, invariant 1).
import { PREVIEW_IMAGE_BYTES, PREVIEW_TEXT_BYTES, type FilePreview, type PreviewImageType } from '../../ipc/contract.js';
import type { FileNode, Repository } from '../repo/index.js';

/** Magic numbers of the images a browser shows safely (no SVG: it is a document, not a picture). */
export function imageType(head: Uint8Array): PreviewImageType | null {
  const b = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 16));
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 6 && (b.toString('latin1', 0, 6) === 'GIF87a' || b.toString('latin1', 0, 6) === 'GIF89a')) return 'image/gif';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

/**
 * Text when the start decodes as UTF-8 (a character cut at the end aside) and holds no NUL or other
 * control characters but tab, line feed, carriage return and form feed.
 */
export function asText(bytes: Buffer): string | null {
  let end = bytes.length;
  // A multi-byte character cut by the preview's limit: drop its first bytes.
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const c = bytes[end - back]!;
    if ((c & 0xc0) !== 0x80) {
      const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      if (need > back) end -= back;
      break;
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text) ? null : text.replace(/^\ufeff/, '');
}

/** Reads a file's content in order until `max` bytes, blob by blob. */
async function readStart(repo: Repository, node: FileNode, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  for (const id of node.content) {
    if (got >= max) break;
    const blob = await repo.readBlob(id);
    parts.push(blob);
    got += blob.length;
  }
  return Buffer.concat(parts, Math.min(got, max)).subarray(0, max);
}

export async function previewFile(repo: Repository, node: FileNode): Promise<FilePreview> {
  if (node.size === 0) return { kind: 'text', text: '', truncated: false, size: 0 };
  const head = await readStart(repo, node, Math.min(node.size, PREVIEW_TEXT_BYTES));
  const image = imageType(head);
  if (image) {
    if (node.size > PREVIEW_IMAGE_BYTES) return { kind: 'none', reason: 'size', size: node.size };
    const bytes = node.size === head.length ? head : await readStart(repo, node, node.size);
    return { kind: 'image', mime: image, dataBase64: bytes.toString('base64'), size: node.size };
  }
  const text = asText(head);
  if (text === null) return { kind: 'none', reason: 'type', size: node.size };
  return { kind: 'text', text, truncated: node.size > head.length, size: node.size };
}
