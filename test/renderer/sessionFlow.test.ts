// The new-laptop case through the UI, in Chromium, against a real appliance over TLS and the real
// engine: a user signs in with her password on a computer that has no backups of its own and gets
// her file back byte for byte; the administrator picks a machine; wrong passwords and the lockout
// are said in the appliance's words; the password goes out in the one request that needs it.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryKeychain } from '../../src-main/engine/keychain/index.js';
import { createEngineService, type EngineService } from '../../src-main/engine/service/index.js';
import { aliceAndBob } from '../helpers/applianceMachines.js';
import { ADMIN_PASSWORD, initAppliance, makeSource, startInProcess, tempRoot, USER_PASSWORD, type RunningAppliance } from '../integration/appliance-client/helpers.js';
import { chromiumAvailability } from './chromium.js';
import { openPage, shoot, startRenderer, type OpenedPage, type Renderer } from './realFixture.js';

const availability = chromiumAvailability();
const suite = availability.run ? describe : describe.skip;

suite('restore with a password on a new computer (real appliance, Chromium)', () => {
  const tmp = tempRoot('havre-ui-session-');
  let appl: RunningAppliance;
  let source: ReturnType<typeof makeSource>;
  let laptop: EngineService;
  let r: Renderer;
  const userHome = join(tmp.root, 'laptop-user');

  beforeAll(async () => {
    const { dir } = await initAppliance(tmp.root);
    appl = await startInProcess(dir);
    source = makeSource(tmp.root);
    await aliceAndBob(appl, tmp.root, source);
    mkdirSync(userHome, { recursive: true });
    laptop = await createEngineService({ home: join(tmp.root, 'laptop-home'), credentials: async () => ({ keychain: memoryKeychain() }), userHome });
    r = await startRenderer();
  });

  afterAll(async () => {
    await r?.close();
    await laptop?.close();
    await appl?.stop().catch(() => undefined);
    tmp.cleanup();
  });

  async function signIn(p: OpenedPage, opts: { role?: 'admin'; user?: string; password: string }): Promise<void> {
    const dialog = p.page.getByTestId('session-dialog');
    if (!(await dialog.isVisible())) await p.page.getByRole('button', { name: /Another computer, or as administrator/ }).first().click();
    if (opts.role === 'admin') await dialog.getByTestId('role-admin').check();
    if (opts.user !== undefined) await dialog.getByTestId('session-user').fill(opts.user);
    await dialog.getByTestId('session-password').fill(opts.password);
    if (!(await dialog.getByTestId('session-other').isChecked())) {
      await dialog.getByTestId('session-other').check();
      await dialog.getByTestId('session-url').fill(appl.url);
      await dialog.getByTestId('session-fingerprint').fill(appl.fingerprint);
    }
    await dialog.getByTestId('session-submit').click();
  }

  it('a user gets her file back on a new laptop: wrong password said, then the right one works', async () => {
    const p = await openPage(r, laptop, { hash: '#/restore' });
    try {
      await expect.poll(() => p.page.getByTestId('restore-error').textContent()).toContain('no backups of its own');
      await signIn(p, { user: 'alice', password: 'not the password' });
      const error = p.page.getByTestId('session-error');
      await expect.poll(() => error.textContent(), { timeout: 30_000 }).toMatch(/^Wrong password: 4 attempt\(s\) left before the account is locked\.$/);
      await shoot(p.page, 'session-wrong-password-en');
      await p.page.getByTestId('session-password').fill(USER_PASSWORD);
      await p.page.getByTestId('session-submit').click();
      await expect.poll(() => p.page.getByTestId('source').textContent(), { timeout: 30_000 }).toBe('Backups of PC-ALICE (alice)');
      await expect.poll(() => p.page.getByTestId('session-dialog').count()).toBe(0);
      // The backup's folder, browsed from the appliance.
      const grid = p.page.getByTestId('file-grid');
      await expect.poll(() => grid.getAttribute('data-total')).not.toBe('');
      const name = source.names.find((n) => !n.includes('/'))!;
      await p.page.getByRole('row').filter({ hasText: name }).first().click();
      await expect.poll(() => p.page.getByTestId('versions').locator('li').count()).toBe(1);
      await shoot(p.page, 'session-browse-en');
      await p.page.getByTestId('restore-version').first().click();
      const dialog = p.page.getByTestId('restore-dialog');
      // Another machine's original place is no place here: only "somewhere else" is offered.
      expect(await dialog.getByTestId('where-original').count()).toBe(0);
      expect(await dialog.getByTestId('target-input').inputValue()).toBe(join(userHome, 'Restored files'));
      await dialog.getByTestId('restore-confirm').click();
      await expect.poll(() => p.page.getByTestId('restore-result').textContent(), { timeout: 60_000 }).toMatch(/^Restored 1 file\(s\)/);
      const i = source.names.indexOf(name);
      expect(readFileSync(join(userHome, 'Restored files', name)).equals(source.contents[i]!)).toBe(true);
      // The password went out twice (two sign-ins), in session:open requests only.
      const carrying = p.calls.filter((c) => JSON.stringify(c.payload ?? null).includes(USER_PASSWORD) || JSON.stringify(c.payload ?? null).includes('not the password'));
      expect(carrying.map((c) => c.channel)).toEqual(['session:open', 'session:open']);
      await p.page.getByRole('button', { name: 'Back to this computer' }).click();
      await expect.poll(() => p.page.getByTestId('source').textContent()).toBe('Backups of this computer');
    } finally {
      await p.close();
    }
  });

  it('the administrator chooses the machine, then reads it', async () => {
    const p = await openPage(r, laptop, { hash: '#/restore', locale: 'fr-FR', dark: true });
    try {
      await p.page.getByRole('button', { name: /Un autre ordinateur/ }).first().click();
      const dialog = p.page.getByTestId('session-dialog');
      await dialog.getByTestId('role-admin').check();
      await dialog.getByTestId('session-password').fill(ADMIN_PASSWORD);
      await dialog.getByTestId('session-other').check();
      await dialog.getByTestId('session-url').fill(appl.url);
      await dialog.getByTestId('session-fingerprint').fill(appl.fingerprint);
      await dialog.getByTestId('session-submit').click();
      const choice = dialog.getByTestId('machine-choice');
      await expect.poll(() => choice.count(), { timeout: 30_000 }).toBe(1);
      expect(await choice.textContent()).toMatch(/PC-ALICE.*PC-BOB|PC-BOB.*PC-ALICE/);
      await shoot(p.page, 'session-choose-machine-fr-dark');
      await choice.getByRole('radio', { name: /PC-ALICE/ }).check();
      await dialog.getByTestId('session-submit').click();
      await expect.poll(() => p.page.getByTestId('source').textContent(), { timeout: 30_000 }).toBe('Sauvegardes de PC-ALICE (alice), en tant qu’administrateur');
      await expect.poll(() => p.page.getByTestId('file-grid').getAttribute('data-total')).not.toBe('');
      await shoot(p.page, 'session-admin-fr-dark');
    } finally {
      await p.close();
    }
  });

  it('says the account is locked after five wrong passwords, and until when', async () => {
    const p = await openPage(r, laptop, { hash: '#/restore' });
    try {
      for (let i = 0; i < 5; i++) {
        await signIn(p, { user: 'bob', password: `wrong ${i}` });
        await expect.poll(() => p.page.getByTestId('session-error').textContent(), { timeout: 30_000 }).toMatch(i < 4 ? /attempt\(s\) left/ : /locked until/);
        if (i < 4) await expect.poll(() => p.page.getByTestId('session-error').textContent()).toContain(`${4 - i} attempt(s) left`);
      }
      expect(await p.page.getByTestId('session-error').textContent()).toMatch(/^Too many wrong passwords: this account is locked until .+\. Try again then, or ask IT to unlock it\.$/);
      await shoot(p.page, 'session-locked-en');
    } finally {
      await p.close();
    }
  });
});
