// Every screen of the renderer, in English and French, light and dark, against the real engine over
// real backups: each is loaded, checked for its main content and for accessibility problems (axe-core:
// labels, roles, contrast), and photographed into test-results/screenshots/.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailability } from './chromium.js';
import { NAMES, openPage, realWorld, shoot, startRenderer, type RealWorld, type Renderer } from './realFixture.js';

const availability = chromiumAvailability();
const suite = availability.run ? describe : describe.skip;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe-core's WCAG 2 A/AA rules on the page as it stands. */
async function accessibilityProblems(page: Page): Promise<string[]> {
  // Through the DevTools protocol, which the page's CSP does not govern (a <script> would be refused).
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations;
  });
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(', ')}`);
}

suite('every screen, both languages, both themes (real engine)', () => {
  let r: Renderer;
  let w: RealWorld;

  beforeAll(async () => {
    w = await realWorld({ protect: true });
    r = await startRenderer();
  });
  afterAll(async () => {
    await r?.close();
    await w?.cleanup();
  });

  const combos = [
    { lang: 'en', locale: 'en-US', dark: false },
    { lang: 'fr', locale: 'fr-FR', dark: false },
    { lang: 'en', locale: 'en-US', dark: true },
    { lang: 'fr', locale: 'fr-FR', dark: true },
  ] as const;

  for (const c of combos) {
    it(`${c.lang}, ${c.dark ? 'dark' : 'light'}: overview, activity, restore, settings`, async () => {
      const p = await openPage(r, w.engine, { locale: c.locale, dark: c.dark });
      const name = (screen: string): string => `${screen}-${c.lang}-${c.dark ? 'dark' : 'light'}`;
      try {
        const { page } = p;
        const sentence = page.getByTestId('status-sentence');
        await expect.poll(() => sentence.textContent(), { timeout: 30_000 }).toMatch(c.lang === 'fr' ? /protégés|sauvegard/ : /protected|backed up|Backing/);
        await expect.poll(() => page.getByTestId('history-chart').count()).toBe(1);
        await shoot(page, name('dashboard'));
        expect(await accessibilityProblems(page), 'dashboard').toEqual([]);

        await page.getByTestId('nav-activity').click();
        await expect.poll(() => page.getByTestId('activity-table').locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
        await shoot(page, name('activity'));
        expect(await accessibilityProblems(page), 'activity').toEqual([]);

        await page.getByTestId('nav-restore').click();
        const grid = page.getByTestId('file-grid');
        await expect.poll(() => grid.getAttribute('data-total')).not.toBe('');
        await page.getByRole('row').filter({ hasText: 'lettre.txt' }).click();
        await expect.poll(() => page.getByTestId('versions').locator('li').count()).toBe(2);
        await page.getByRole('button', { name: c.lang === 'fr' ? /Aperçu de la version/ : /Preview the version/ }).first().click();
        await expect.poll(() => page.getByTestId('preview').textContent()).toContain('deuxième version');
        // The names that break naive layouts are all there, whole in their title.
        for (const n of Object.values(NAMES)) expect(await grid.locator(`[title="${n}"]`).count(), n).toBe(1);
        await shoot(page, name('restore'));
        expect(await accessibilityProblems(page), 'restore').toEqual([]);

        await page.getByTestId('search').fill(c.lang === 'fr' ? 'eleve' : 'vacances');
        await expect.poll(() => page.getByTestId('search-results').locator('li').count()).toBeGreaterThan(0);
        await shoot(page, name('search'));

        await page.getByTestId('nav-settings').click();
        await expect.poll(() => page.getByTestId('folders').locator('li').count()).toBe(1);
        await shoot(page, name('settings'));
        expect(await accessibilityProblems(page), 'settings').toEqual([]);
        expect(p.problems).toEqual([]);
      } finally {
        await p.close();
      }
    });
  }
});
