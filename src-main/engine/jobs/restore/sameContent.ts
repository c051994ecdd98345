import { open } from 'node:fs/promises';
import { Chunker, chunkFile } from '../../chunk/index.js';
import { blobId } from '../../crypto/index.js';
import type { FileNode, Repository } from '../../repo/index.js';

/**
 * True when the file at `path` holds exactly the node's content: same size, and the same chunk
 * ids under this repository's keys. Only then may restore leave an existing file alone.
 */
export async function sameContent(repo: Repository, path: string, node: FileNode, size: number): Promise<boolean> {
  if (size !== node.size) return false;
  const chunker = new Chunker(repo.keys.chunker, repo.config.chunker);
  const fh = await open(path, 'r');
  try {
    let i = 0;
    for await (const chunk of chunkFile(fh, chunker)) {
      if (node.content[i] !== blobId(repo.keys.id, chunk).toString('hex')) return false;
      i++;
    }
    return i === node.content.length;
  } finally {
    await fh.close();
  }
}
