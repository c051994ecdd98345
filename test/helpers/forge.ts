import { hostname } from 'node:os';
import { blobId, seal } from '../../src-main/engine/crypto/index.js';
import { PackWriter, Repository } from '../../src-main/engine/repo/index.js';
import { FsStore } from '../../src-main/engine/store/index.js';
import type { RepoFixture } from './repoFixture.js';

/** Opens a fixture's repository in this process, as someone holding the keys would. */
export async function openRepo(f: RepoFixture): Promise<Repository> {
  return Repository.open(await FsStore.open(f.repo), { home: f.home, credentials: { password: f.password } });
}

/** Stores any bytes as a blob of the given type, bypassing every check a writer makes. */
export async function putBlob(repo: Repository, type: 0 | 1, plain: Buffer): Promise<string> {
  const id = blobId(repo.keys.id, plain);
  const w = new PackWriter();
  w.add({ id, type, codec: 0, rawLength: plain.length }, seal(repo.keys.enc, plain, id));
  await repo.savePack(w.finish(repo.keys.enc));
  return id.toString('hex');
}

/** A tree from raw node objects: a forger is not bound by encodeTree's rules. */
export async function putTree(repo: Repository, nodes: unknown[]): Promise<string> {
  return putBlob(repo, 1, Buffer.from(JSON.stringify({ nodes }), 'utf8'));
}

export const META = { mode: 0o644, mtime: '1700000000000000000', uid: 0, gid: 0 };

export async function fileNode(repo: Repository, name: string, content: string): Promise<Record<string, unknown>> {
  return { name, type: 'file', ...META, size: Buffer.byteLength(content), content: [await putBlob(repo, 0, Buffer.from(content))] };
}

export async function dirNode(repo: Repository, name: string, children: unknown[]): Promise<Record<string, unknown>> {
  return { name, type: 'dir', ...META, mode: 0o755, subtree: await putTree(repo, children) };
}

/** Writes a snapshot whose root tree holds `nodes`; returns its id. */
export async function forgeSnapshot(repo: Repository, nodes: unknown[], opts: { keepOrder?: boolean } = {}): Promise<string> {
  const byName = (a: unknown, b: unknown): number => Buffer.compare(Buffer.from(String((a as { name: string }).name)), Buffer.from(String((b as { name: string }).name)));
  const tree = await putTree(repo, opts.keepOrder ? nodes : [...nodes].sort(byName));
  await repo.flushIndex();
  return repo.saveSnapshot({ version: 1, time: new Date().toISOString(), tree, paths: ['/forged'], hostname: hostname(), username: 'forger', tags: [],
    parent: null, summary: { files: 0, dirs: 0, bytes: 0, addedBytes: 0, unreadable: 0 }, program: 'forger' });
}
