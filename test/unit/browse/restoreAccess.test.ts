// Where the desktop app may restore to, whatever the window asks (restoreAccess.ts).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRestoreTarget, checkTargetWritable, type RestoreAccess } from '../../../src-main/engine/browse/restoreAccess.js';

describe('restore targets', () => {
  const root = mkdtempSync(join(tmpdir(), 'havre-access-'));
  const home = join(root, 'home', 'ana');
  const data = join(root, 'data', 'projets');
  const access: RestoreAccess = { userHome: home, havreHome: join(home, '.config', 'havre'), folders: [data], repoPath: join(root, 'repo') };
  for (const d of [home, join(home, 'Documents'), data, access.havreHome, access.repoPath!]) mkdirSync(d, { recursive: true });
  symlinkSync('/etc', join(home, 'etc-link'));
  symlinkSync(join(home, 'Documents'), join(root, 'to-home'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const allowed = (target: string, paths?: string[], own = true): Promise<void> => checkRestoreTarget(target, paths, access, own);
  const refused = async (target: string, paths?: string[], own = true): Promise<void> => {
    await expect(checkRestoreTarget(target, paths, access, own), target).rejects.toMatchObject({ code: 'RESTORE_TARGET_FORBIDDEN', params: { path: target } });
  };

  it('allows the home, the protected folders and below them, existing or not', async () => {
    await allowed(home);
    await allowed(join(home, 'Restored files', 'deep', 'er'));
    await allowed(data);
    await allowed(join(data, 'new'));
    await allowed(join(root, 'to-home')); // a link that leads into the home
  });

  it('allows a protected folder back into its parent, for this machine\'s own backup only', async () => {
    await allowed(join(root, 'data'), [data]);
    await allowed(join(root, 'data'), [`${data}/`]);
    await refused(join(root, 'data'), [data], false);
    await refused(join(root, 'data'), [data, '/etc/passwd']);
    await refused('/etc', ['/etc/shadow']);
    await refused(join(root, 'data'));
  });

  it('refuses system folders, Havre\'s own data, the repository, links out and ".."', async () => {
    for (const t of ['/', '/etc', '/usr/local/bin', '/root', root, join(root, 'data'), access.havreHome, join(access.havreHome, 'catalogs'), access.repoPath!,
      join(access.repoPath!, 'data'), join(home, 'etc-link'), join(home, 'etc-link', 'cron.d'), `${home}/../../..`, `${home}/../ana`, 'relative/path']) {
      await refused(t);
    }
  });

  it('says when a target cannot be written, before anything is created', async () => {
    await checkTargetWritable(join(home, 'not', 'yet', 'there'));
    await expect(checkTargetWritable(join('/proc', '1', 'x'))).rejects.toMatchObject({ code: 'RESTORE_TARGET_DENIED' });
  });
});
