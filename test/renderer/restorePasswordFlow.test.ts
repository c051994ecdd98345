// A computer IT enrolled silently (machine policy), seen in the UI, in Chromium, with the real
// engine and a real appliance over TLS: the overview says no restore password was chosen and
// leads to the settings, where the user chooses one (two different entries are refused first);
// then, on another computer, that password restores her file byte for byte. Changing it asks for
// the current one, and a wrong current one is said in the appliance's words.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPasswordSession } from '../../src-main/engine/appliance/index.js';
import type { ApplianceRepoRef } from '../../src-main/engine/home/homeConfig.js';
import { runRestore } from '../../src-main/engine/jobs/index.js';
import { memoryKeychain } from '../../src-main/engine/keychain/index.js';
import { createEngineService, type EngineService } from '../../src-main/engine/service/index.js';
import { FAST_RETRY, initAppliance, silentlyEnrolledWithBackup, startInProcess, tempRoot, type makeSource, type RunningAppliance } from '../integration/appliance-client/helpers.js';
import { chromiumAvailability } from './chromium.js';
import { openPage, shoot, startRenderer, type Renderer } from './realFixture.js';

const availability = chromiumAvailability();
const suite = availability.run ? describe : describe.skip;

suite('choosing the restore password after a silent enrollment (real appliance, Chromium)', () => {
  const tmp = tempRoot('havre-ui-password-');
  const keychain = memoryKeychain();
  const home = join(tmp.root, 'home');
  let appl: RunningAppliance;
  let ref: ApplianceRepoRef;
  let source: ReturnType<typeof makeSource>;
  let engine: EngineService;
  let r: Renderer;

  beforeAll(async () => {
    appl = await startInProcess((await initAppliance(tmp.root)).dir);
    ({ ref, source } = await silentlyEnrolledWithBackup(appl, join(tmp.root, 'src'), { home, keychain, user: 'marie', host: 'PC-MARIE' }));
    process.env.HAVRE_INSECURE_TEST_KDF = '1';
    engine = await createEngineService({ home, credentials: async () => ({ keychain }), watcher: null, userHome: tmp.root });
    r = await startRenderer();
  });

  afterAll(async () => {
    delete process.env.HAVRE_INSECURE_TEST_KDF;
    await r?.close();
    await engine?.close();
    await appl?.stop().catch(() => undefined);
    tmp.cleanup();
  });

  it('the overview asks for a password; the settings set it; it restores the file on another computer', async () => {
    const p = await openPage(r, engine, { hash: '#/' });
    try {
      const warnings = p.page.getByTestId('warnings');
      await expect.poll(() => warnings.textContent().catch(() => ''), { timeout: 30_000 }).toContain('No restore password was chosen for this computer');
      await warnings.getByRole('button', { name: 'Choose a password' }).click();
      const card = p.page.getByTestId('restore-password');
      await expect.poll(() => card.textContent()).toContain('no one has chosen your restore password');
      await card.getByTestId('pw-new').fill('marie’s chosen password');
      await card.getByTestId('pw-again').fill('something else');
      expect(await card.getByTestId('pw-submit').isDisabled()).toBe(true);
      await card.getByTestId('pw-again').fill('marie’s chosen password');
      await card.getByTestId('pw-submit').click();
      await expect.poll(() => card.getByTestId('pw-done').textContent().catch(() => ''), { timeout: 30_000 }).toContain('restore password is set');
      await shoot(p.page, 'restore-password-set');
      // Now the card asks for the current password to change it.
      await expect.poll(() => card.getByTestId('pw-current').isVisible()).toBe(true);
      // The password went out once, in the one request that sets it.
      expect(p.calls.filter((c) => JSON.stringify(c.payload ?? null).includes('chosen password')).map((c) => c.channel)).toEqual(['appliance:password']);
      // The reminder is gone from the engine's status, hence from the overview.
      await expect.poll(async () => (await engine.status()).protection?.warnings.some((w) => w.code === 'RESTORE_PASSWORD_UNSET')).toBe(false);
    } finally {
      await p.close();
    }

    // Another computer: nothing but the address, the CA fingerprint from IT, and the password.
    const other = join(tmp.root, 'new-laptop');
    mkdirSync(other, { recursive: true });
    await withPasswordSession({ home: other, role: 'user', user: 'marie', password: 'marie’s chosen password', url: appl.url, fingerprint: ref.caFingerprint,
      tuning: { retry: FAST_RETRY } }, async (repo) => {
      const out = join(other, 'out');
      expect((await runRestore(repo, { snapshot: 'latest', target: out })).failed).toEqual([]);
      for (let i = 0; i < source.names.length; i++) expect(readFileSync(join(out, source.src, source.names[i]!)).equals(source.contents[i]!)).toBe(true);
    });
  });

  it('changing it with a wrong current password is refused in the appliance’s words', async () => {
    const p = await openPage(r, engine, { hash: '#/settings' });
    try {
      const card = p.page.getByTestId('restore-password');
      await card.getByTestId('pw-current').fill('not the password');
      await card.getByTestId('pw-new').fill('another one');
      await card.getByTestId('pw-again').fill('another one');
      await card.getByTestId('pw-submit').click();
      await expect.poll(() => card.getByTestId('pw-error').textContent().catch(() => ''), { timeout: 30_000 }).toMatch(/Wrong password.*4/);
    } finally {
      await p.close();
    }
  });
});
