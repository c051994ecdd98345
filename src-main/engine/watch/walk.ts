// Walks a folder that just appeared (copied, unpacked, moved in): with inotify, whatever it held
// before its watch was added is never reported, and neither is anything in its subfolders.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface FolderContents {
  files: string[];
  folders: string[];
}

/** Every entry below `dir` (not `dir` itself), skipping what `ignored` excludes; never follows links.
 *  Entries that vanish or cannot be read while walking are left out (a later scan sees them). */
export async function walkFolder(dir: string, ignored: (path: string) => boolean): Promise<FolderContents> {
  const out: FolderContents = { files: [], folders: [] };
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop() as string;
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (ignored(p)) continue;
      if (e.isDirectory()) {
        out.folders.push(p);
        stack.push(p);
      } else out.files.push(p);
    }
  }
  return out;
}

/** What is directly in `dir` (not ignored), files and folders apart. */
export async function listFolder(dir: string, ignored: (path: string) => boolean): Promise<FolderContents> {
  const out: FolderContents = { files: [], folders: [] };
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (ignored(p)) continue;
    if (e.isDirectory()) out.folders.push(p);
    else out.files.push(p);
  }
  return out;
}

