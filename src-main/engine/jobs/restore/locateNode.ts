import { HavreError } from '../../errors/index.js';
import type { Repository, TreeNode } from '../../repo/index.js';

/** Finds the node at `path` ("/home/ana/x.txt" or "home/ana/x.txt") in a snapshot's root tree. */
export async function locateNode(repo: Repository, rootTree: string, path: string, snapshot: string): Promise<TreeNode> {
  const parts = path.split(/[\\/]+/).filter((p) => p.length > 0 && p !== '.');
  if (parts.length === 0 || parts.includes('..')) throw new HavreError('PATH_NOT_IN_SNAPSHOT', { path, snapshot });
  let tree = await repo.loadTree(rootTree);
  for (let i = 0; i < parts.length; i++) {
    const node = tree.nodes.find((n) => n.name === parts[i]);
    if (!node) throw new HavreError('PATH_NOT_IN_SNAPSHOT', { path, snapshot });
    if (i === parts.length - 1) return node;
    if (node.type !== 'dir') throw new HavreError('PATH_NOT_IN_SNAPSHOT', { path, snapshot });
    tree = await repo.loadTree(node.subtree);
  }
  throw new HavreError('PATH_NOT_IN_SNAPSHOT', { path, snapshot });
}
