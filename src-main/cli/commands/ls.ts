import { findNode, nodeMtimeIso, snapshotPathParts, type Repository, type TreeNode } from '../../engine/repo/index.js';
import { parseCommand, SESSION_OPTIONS, readFrom, TARGET_OPTION } from '../args.js';
import { CliContext } from '../context.js';
import { HavreError } from '../../engine/errors/index.js';
import { formatBytes } from '../output.js';

interface Entry {
  path: string;
  type: TreeNode['type'];
  size: number;
  mode: number;
  mtime: string;
  target?: string;
}

function entry(path: string, n: TreeNode): Entry {
  return { path, type: n.type, size: n.type === 'file' ? n.size : 0, mode: n.mode, mtime: nodeMtimeIso(n), ...(n.type === 'symlink' ? { target: n.target } : {}) };
}

async function collect(repo: Repository, treeId: string, prefix: string, recursive: boolean, out: Entry[]): Promise<void> {
  for (const n of (await repo.loadTree(treeId)).nodes) {
    const p = `${prefix}/${n.name}`;
    out.push(entry(p, n));
    if (recursive && n.type === 'dir') await collect(repo, n.subtree, p, true, out);
  }
}

export async function lsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { ...SESSION_OPTIONS, ...TARGET_OPTION, recursive: { type: 'boolean', short: 'r', default: false } });
  const ctx = new CliContext({ ...values, ...readFrom(values) });
  const [ref, path] = positionals;
  if (!ref) throw new HavreError('USAGE', { detail: 'havre ls needs a SNAPSHOT (an id or latest)' });
  return ctx.withRepo(async (repo) => {
    const snap = repo.resolveSnapshot(ref);
    const out: Entry[] = [];
    const node = await findNode((t) => repo.loadTree(t), snap.tree, path ?? '', snap.id.slice(0, 8));
    const prefix = snapshotPathParts(path ?? '').map((p) => `/${p}`).join('');
    if (node && node.type !== 'dir') out.push(entry(prefix, node));
    else await collect(repo, node ? node.subtree : snap.tree, prefix, values.recursive, out);
    ctx.out.result({ snapshot: snap.id, entries: out }, () =>
      out.map((e) => `${e.type === 'dir' ? 'd' : e.type === 'symlink' ? 'l' : '-'} ${formatBytes(e.size).padStart(10)}  ${e.mtime.slice(0, 19).replace('T', ' ')}  ${e.path}${e.target ? ` -> ${e.target}` : ''}`));
    return 0;
  });
}
