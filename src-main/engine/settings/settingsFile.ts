import { recordForHome } from '../audit/index.js';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { settingsPatchProblem, type Settings, type SettingsView } from '../../ipc/contract.js';
import { HavreError, errnoCode } from '../errors/index.js';
import { writeFileAtomic } from '../files/durable.js';
import { loadPolicy, settingsUnderPolicy, type EffectivePolicy } from '../policy/index.js';
import { defaultSettings } from './defaults.js';
import { Exclusions } from './Exclusions.js';

/** The user's own settings: only what differs from the defaults is written. */
export function settingsPath(home: string): string {
  return join(home, 'settings.json');
}

interface SettingsFile {
  version: 1;
  settings: Partial<Settings>;
}

/** Reads the user's settings (the file holds only what they changed); a damaged file says where. */
export async function readUserSettings(home: string): Promise<Partial<Settings>> {
  const file = settingsPath(home);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return {};
    throw e;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HavreError('SETTINGS_INVALID', { detail: `${file} is not valid JSON; fix it or delete it to go back to the defaults` });
  }
  const d = doc as Partial<SettingsFile> | null;
  if (typeof d !== 'object' || d === null || d.version !== 1) throw new HavreError('SETTINGS_INVALID', { detail: `${file}: unknown version; delete it to go back to the defaults` });
  checkSettings(d.settings ?? {}, file);
  return d.settings ?? {};
}

/**
 * Checks shape (the IPC contract's rules) and meaning (patterns compile, a window has a length) of
 * a settings patch; `where` names the file or "settings" in the message.
 */
export function checkSettings(patch: unknown, where = 'settings'): asserts patch is Partial<Settings> {
  const problem = settingsPatchProblem(patch);
  if (problem) throw new HavreError('SETTINGS_INVALID', { detail: `${where}: ${problem}` });
  const p = patch as Partial<Settings>;
  if (p.window && p.window.start === p.window.end) throw new HavreError('SETTINGS_INVALID', { detail: `${where}: window: start and end are the same time` });
  for (const r of p.bandwidthRules ?? []) {
    if (r.start === r.end) throw new HavreError('SETTINGS_INVALID', { detail: `${where}: bandwidthRules: a rule starts and ends at ${r.start}` });
  }
  if (p.exclusions) new Exclusions({ exclusions: p.exclusions, defaultExclusions: false, maxFileSizeMiB: null }, { home: homedir() });
}

/** The settings in effect (defaults, the user's, IT's policy over both), and what the policy locks. */
export async function loadSettings(home: string, userHome = homedir()): Promise<SettingsView> {
  return (await loadEffectiveSettings(home, userHome)).view;
}

/** The settings in effect and the machine policy they were read under (one read of the policy). */
export async function loadEffectiveSettings(home: string, userHome = homedir()): Promise<{ view: SettingsView; policy: EffectivePolicy }> {
  const policy = await loadPolicy({ home, userHome });
  return { view: settingsUnderPolicy(defaultSettings(userHome), await readUserSettings(home), policy, userHome), policy };
}

/** Applies a patch to the user's settings, after checking it; returns the settings in effect. */
export async function updateSettings(home: string, patch: unknown, userHome = homedir()): Promise<SettingsView> {
  checkSettings(patch);
  await assertUnlocked(home, Object.keys(patch), userHome);
  await writeUserSettings(home, { ...(await readUserSettings(home)), ...patch });
  // The keys that changed, never their values (folders and patterns are paths).
  await recordForHome(home, 'settings.changed', { keys: Object.keys(patch).sort() });
  return loadSettings(home, userHome);
}

/** Brings settings back to their defaults (the user's value is forgotten). */
export async function resetSettings(home: string, keys: readonly (keyof Settings)[], userHome = homedir()): Promise<SettingsView> {
  await assertUnlocked(home, keys, userHome);
  const mine = await readUserSettings(home);
  for (const k of keys) delete mine[k];
  await writeUserSettings(home, mine);
  await recordForHome(home, 'settings.reset', { keys: [...keys].sort() });
  return loadSettings(home, userHome);
}

async function assertUnlocked(home: string, keys: readonly string[], userHome: string): Promise<void> {
  const view = await loadSettings(home, userHome);
  for (const key of keys) {
    const lock = view.locked[key as keyof Settings];
    if (lock) throw new HavreError('SETTING_LOCKED', { setting: key, reason: lock.message });
  }
}

async function writeUserSettings(home: string, settings: Partial<Settings>): Promise<void> {
  const doc: SettingsFile = { version: 1, settings };
  await mkdir(home, { recursive: true, mode: 0o700 });
  await writeFileAtomic(settingsPath(home), JSON.stringify(doc, null, 2) + '\n');
}
