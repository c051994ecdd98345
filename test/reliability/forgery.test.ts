// Forged snapshots (DESIGN.md §6, invariant 3), made by someone who holds the repository's keys:
// seeded random trees mixing ordinary entries with hostile ones — names that are absolute, `..`,
// `.`, empty, with slashes, NUL or backslashes, too long; links to outside the target, absolute or
// climbing with `..`; a link restored by one snapshot and a folder of the same name, with files
// under it, restored by the next into the same target; node types and modes that are devices,
// FIFOs or hard links; unsorted and duplicate names; chains of folders deeper than paths may be.
// The target starts with links and hard links planted towards a folder outside it.
//
// Whatever the snapshot says: nothing outside the target changes, no file below it resolves to a
// place outside it, every file written holds the bytes the snapshot gives for that very path, no
// temporary file is left, and the restore ends with a typed error or a list of what it refused.
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHavreError } from '../../src-main/engine/errors/index.js';
import { runRestore } from '../../src-main/engine/jobs/index.js';
import type { Repository } from '../../src-main/engine/repo/index.js';
import { forgeSnapshot, META, openRepo, putBlob, putTree } from '../helpers/forge.js';
import type { RepoFixture } from '../helpers/repoFixture.js';
import { newRepo } from '../helpers/repoFixture.js';
import type { Rng } from './helpers/random.js';
import { scenarioRng, sized } from './helpers/scale.js';
import { ScenarioTally } from './helpers/summary.js';

const SNAPSHOTS = sized(60, 1000);

const HOSTILE_NAMES = ['..', '.', '', '/etc/passwd', '/', 'a/b', '../outside', 'nul\0byte', 'back\\slash', '..\\..\\x', 'x'.repeat(256), 'é'.repeat(200),
  ' ', '\n', 'CON', '-rf', '.havre-restore-123456'];
const BAD_TYPES = ['hardlink', 'device', 'chardev', 'blockdev', 'fifo', 'socket', 'link', '', null];
const BAD_MODES = [0o170000, 0o120777, 0o020644, 0o060644, 0o010644, -1, 0o7777 + 1, 1.5];

interface Outside {
  readonly dir: string;
  readonly files: Map<string, string>;
}

/** Every path below `dir` with, for files, their content (to see any change outside the target). */
function snapshotOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = lstatSync(p);
      out.set(relative(dir, p), st.isFile() ? readFileSync(p, 'utf8') : st.isSymbolicLink() ? 'link' : 'dir');
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

describe('forged snapshots never write outside the target', () => {
  const rng = scenarioRng('forgery');
  const tally = new ScenarioTally('forged-snapshots', 'forged snapshots restored', rng.seed);
  let f: RepoFixture;
  let repo: Repository;
  let outside: Outside;
  /** What each file path of each forged snapshot must hold, if it is restored at all. */
  const expected = new Map<string, string>();

  beforeAll(async () => {
    f = newRepo();
    repo = await openRepo(f);
    const dir = join(f.dir, 'outside');
    mkdirSync(join(dir, 'deep'), { recursive: true });
    writeFileSync(join(dir, 'victim.txt'), 'original');
    writeFileSync(join(dir, 'deep', 'victim.txt'), 'original deep');
    outside = { dir, files: snapshotOf(dir) };
  });
  afterAll(() => {
    tally.write();
    repo?.close();
    f?.cleanup();
  });

  let serial = 0;
  async function fileNode(r: Rng, name: unknown, path: string): Promise<Record<string, unknown>> {
    const content = `forged content of ${path} #${serial++}`;
    expected.set(`${path}\0${content}`, content);
    const node: Record<string, unknown> = { name, type: 'file', ...META, size: Buffer.byteLength(content), content: [await putBlob(repo, 0, Buffer.from(content))] };
    if (r.chance(0.1)) node.mode = r.pick([0o4755, 0o2755, 0o1777, 0o000, 0o777]);
    return node;
  }

  function symlinkNode(r: Rng, name: unknown): Record<string, unknown> {
    const target = r.pick([outside.dir, join(outside.dir, 'victim.txt'), '../'.repeat(r.between(1, 12)) + 'outside', '/', '/etc/passwd', 'victim.txt', '.', '..', 'x'.repeat(3000)]);
    return { name, type: 'symlink', ...META, mode: 0o777, target };
  }

  /** A random tree, mostly ordinary, with hostile entries in it. */
  async function forgeTree(r: Rng, path: string, depth: number): Promise<unknown[]> {
    const nodes: unknown[] = [];
    const n = r.between(1, 5);
    for (let i = 0; i < n; i++) {
      const hostile = r.chance(depth === 0 ? 0.15 : 0.3); // a hostile root entry refuses the whole snapshot
      const name = hostile && r.chance(0.6) ? r.pick(HOSTILE_NAMES) : `${r.pick(['docs', 'x', 'lien', 'a', 'b', 'photos'])}${r.int(3)}`;
      const p = `${path}/${name}`;
      const kind = r.weighted<string>([['file', 5], ['dir', depth < 3 ? 3 : 0], ['symlink', 2], ['bad-type', hostile ? 1 : 0], ['bad-mode', hostile ? 1 : 0], ['deep', hostile && depth === 0 ? 0.3 : 0]]);
      switch (kind) {
        case 'file':
          nodes.push(await fileNode(r, name, p));
          break;
        case 'dir':
          nodes.push({ name, type: 'dir', ...META, mode: 0o755, subtree: await putTree(repo, sortNodes(r, await forgeTree(r, p, depth + 1))) });
          break;
        case 'symlink':
          nodes.push(symlinkNode(r, name));
          break;
        case 'bad-type':
          nodes.push({ ...(await fileNode(r, name, p)), type: r.pick(BAD_TYPES) });
          break;
        case 'bad-mode':
          nodes.push({ ...(await fileNode(r, name, p)), mode: r.pick(BAD_MODES) });
          break;
        case 'deep': {
          // Deeper than any path may be (PATH_MAX 4096): a chain of 300 folders of 20 characters.
          let sub: unknown[] = [await fileNode(r, 'bottom.txt', `${p}/…/bottom.txt`)];
          for (let d = 0; d < 300; d++) sub = [{ name: `niveau-${String(d).padStart(12, '0')}`, type: 'dir', ...META, mode: 0o755, subtree: await putTree(repo, sub) }];
          nodes.push({ name, type: 'dir', ...META, mode: 0o755, subtree: await putTree(repo, sub) });
          break;
        }
      }
    }
    return nodes;
  }

  /** Sorted and unique, as trees must be, most of the time: a forger may break that too. */
  function sortNodes(r: Rng, nodes: unknown[]): unknown[] {
    if (r.chance(0.05)) return nodes;
    const byName = new Map<string, unknown>();
    for (const n of nodes) byName.set(String((n as { name: unknown }).name), n);
    return [...byName.values()].sort((a, b) => Buffer.compare(Buffer.from(String((a as { name: unknown }).name)), Buffer.from(String((b as { name: unknown }).name))));
  }

  it(`${SNAPSHOTS} forged snapshots, restored two by two into the same targets`, { timeout: sized(4, 60) * 60_000 }, async () => {
    for (let i = 0; i < SNAPSHOTS; i += 2) {
      const r = rng.fork(`pair-${i}`);
      const sandbox = mkdtempSync(join(f.dir, 'sandbox-'));
      const target = join(sandbox, 'target');
      mkdirSync(target);
      // Links planted in the target before any restore: a folder link and a hard link to outside.
      if (r.chance(0.5)) symlinkSync(outside.dir, join(target, r.pick(['docs0', 'x0', 'a1', 'lien2'])));
      if (r.chance(0.3)) linkSync(join(outside.dir, 'victim.txt'), join(target, r.pick(['docs1', 'x1', 'b0'])));
      const planted = new Set(readdirSync(target));
      for (const step of [0, 1]) {
        const nodes = sortNodes(r, await forgeTree(r, '', 0));
        // The second snapshot often reuses a name of the first as a folder (a link, then a folder of its name).
        const snap = await forgeSnapshot(repo, nodes, { keepOrder: true });
        const conflict = r.pick(['overwrite', 'keep-both', 'skip'] as const);
        try {
          const res = await runRestore(repo, { snapshot: snap, target, conflict });
          tally.note(`refused or failed entries`, res.failed.length);
        } catch (e) {
          expect(isHavreError(e), `pair ${i} step ${step}: ${String(e)}`).toBe(true);
          tally.note(`whole snapshot refused (${(e as { code: string }).code})`);
        }
        tally.count(step === 0 ? 'first restore' : 'second restore into the same target');
        // Nothing outside the target changed, nothing new appeared beside it.
        expect(snapshotOf(outside.dir), `pair ${i} step ${step}: outside changed`).toEqual(outside.files);
        expect(readdirSync(sandbox), `pair ${i} step ${step}`).toEqual(['target']);
        checkTarget(target, planted, `pair ${i} step ${step}`);
      }
      rmSync(sandbox, { recursive: true, force: true });
    }
  });

  /** Every file below the target is inside it (by its real path), and holds bytes forged for its path. */
  function checkTarget(target: string, planted: Set<string>, when: string): void {
    const root = realpathSync(target);
    const walk = (d: string): void => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        const st = lstatSync(p);
        const rel = relative(target, p);
        expect(/^\.havre-restore-[0-9a-f]{12}$/.test(n), `${when}: temporary file left: ${rel}`).toBe(false);
        if (st.isSymbolicLink()) continue; // a link is restored as a link, never followed
        if (st.isDirectory()) {
          walk(p);
          continue;
        }
        expect(realpathSync(p).startsWith(root + sep), `${when}: ${rel} resolves outside`).toBe(true);
        if (planted.has(rel)) continue;
        const content = readFileSync(p, 'utf8');
        // keep-both renames ("name (restored …)"): the content names the path it was forged for.
        const forgedFor = content.match(/^forged content of (.*) #\d+$/s)?.[1];
        expect(forgedFor, `${when}: ${rel} holds bytes that no snapshot gave it`).toBeDefined();
        expect(expected.has(`${forgedFor}\0${content}`), `${when}: ${rel}`).toBe(true);
        const dir = rel.split(sep).slice(0, -1).join('/');
        expect(forgedFor!.slice(1).split('/').slice(0, -1).join('/'), `${when}: ${rel} holds the bytes of ${forgedFor}`).toBe(dir);
      }
    };
    walk(target);
  }
});
