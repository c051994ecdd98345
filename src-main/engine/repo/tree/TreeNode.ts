/** One entry of a directory in a snapshot (FORMAT.md §8). Ids are hex strings. */
interface NodeBase {
  readonly name: string;
  readonly mode: number;
  readonly mtime: string; // integer nanoseconds since the epoch, decimal
  readonly uid: number;
  readonly gid: number;
}

export interface FileNode extends NodeBase {
  readonly type: 'file';
  readonly size: number;
  readonly content: readonly string[];
}

export interface DirNode extends NodeBase {
  readonly type: 'dir';
  readonly subtree: string;
}

export interface SymlinkNode extends NodeBase {
  readonly type: 'symlink';
  readonly target: string;
}

export type TreeNode = FileNode | DirNode | SymlinkNode;

export interface Tree {
  readonly nodes: readonly TreeNode[];
}
