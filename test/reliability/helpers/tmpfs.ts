// Small disks that really fill up: a tmpfs of a given size (mount needs root, as on CI). Outside
// CI, a machine where mounting is refused skips the scenario with a message; on CI it fails.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';

export async function withTmpfs<T>(dir: string, sizeKiB: number, fn: () => Promise<T>): Promise<T | 'skipped'> {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0777`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    if (process.env.CI) throw e;
    console.warn(`skipped: cannot mount a tmpfs here (needs root): ${(e as Error).message.split('\n')[0]}`);
    return 'skipped';
  }
  try {
    return await fn();
  } finally {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}
