import { HavreError } from '../../errors/index.js';
import type { Tree, TreeNode } from './TreeNode.js';

/** The components of a path inside a snapshot ("/home/ana/x.txt" or "home/ana/x.txt"). */
export function snapshotPathParts(path: string): string[] {
  return path.split(/[\\/]+/).filter((p) => p.length > 0 && p !== '.');
}

/**
 * The node at `path` below the root tree, or null for the root itself (an empty path). Every
 * component but the last must be a folder; `..` is never a way up.
 */
export async function findNode(loadTree: (id: string) => Promise<Tree>, rootTree: string, path: string, snapshot: string): Promise<TreeNode | null> {
  const parts = snapshotPathParts(path);
  if (parts.includes('..')) throw new HavreError('PATH_NOT_IN_SNAPSHOT', { path, snapshot });
  let treeId = rootTree;
  let node: TreeNode | null = null;
  for (const part of parts) {
    if (node && node.type !== 'dir') throw new HavreError('PATH_NOT_IN_SNAPSHOT', { path, snapshot });
    if (node?.type === 'dir') treeId = node.subtree;
    const next = (await loadTree(treeId)).nodes.find((n) => n.name === part);
    if (!next) throw new HavreError('PATH_NOT_IN_SNAPSHOT', { path, snapshot });
    node = next;
  }
  return node;
}

/** A node's modification time as ISO 8601 (to the millisecond). */
export function nodeMtimeIso(node: TreeNode): string {
  return new Date(Number(BigInt(node.mtime) / 1000000n)).toISOString();
}
