import { SETTING_KEYS, type SettingKey, type Settings } from '../../ipc/contract.js';
import { HavreError } from '../../engine/errors/index.js';
import { loadPolicy } from '../../engine/policy/index.js';
import { loadSettings, resetSettings, updateSettings } from '../../engine/settings/index.js';
import { parseCommand } from '../args.js';
import { CliContext } from '../context.js';
import { resolve } from 'node:path';

const LISTS: readonly SettingKey[] = ['folders', 'exclusions'];
const FLAGS: readonly SettingKey[] = ['defaultExclusions', 'continuous', 'pauseOnBattery', 'pauseOnMetered'];
const NUMBERS: readonly SettingKey[] = ['scanIntervalMinutes', 'minBatteryPercent'];
const NUMBERS_OR_NONE: readonly SettingKey[] = ['maxFileSizeMiB', 'uploadKiBps'];

function key(text: string | undefined): SettingKey {
  if (text === undefined || !(SETTING_KEYS as readonly string[]).includes(text)) {
    throw new HavreError('USAGE', { detail: `name a setting: ${SETTING_KEYS.join(', ')}` });
  }
  return text as SettingKey;
}

/** One setting's value from the command line: lists as several words, "none" for null, JSON for the rest. */
export function parseSetting(k: SettingKey, words: readonly string[]): Partial<Settings> {
  if (LISTS.includes(k)) return { [k]: k === 'folders' ? words.map((w) => resolve(w)) : [...words] };
  const [w, ...more] = words;
  if (w === undefined || more.length > 0) throw new HavreError('USAGE', { detail: `${k} takes one value` });
  if (FLAGS.includes(k)) {
    if (w !== 'true' && w !== 'false') throw new HavreError('USAGE', { detail: `${k} is true or false` });
    return { [k]: w === 'true' };
  }
  if (NUMBERS.includes(k)) return { [k]: Number(w) };
  if (NUMBERS_OR_NONE.includes(k)) return { [k]: w === 'none' ? null : Number(w) };
  if (k === 'cpuPriority') return { cpuPriority: w as Settings['cpuPriority'] };
  if (k === 'window' && w === 'none') return { window: null };
  if (k === 'window') {
    // "19:00-07:30" or "19:00-07:30/1,2,3,4,5" (0 = Sunday)
    const m = /^(\d\d:\d\d)-(\d\d:\d\d)(?:\/([0-6](?:,[0-6])*))?$/.exec(w);
    if (!m) throw new HavreError('USAGE', { detail: 'window is HH:MM-HH:MM, optionally /DAYS (0 = Sunday … 6), or none' });
    return { window: { start: m[1]!, end: m[2]!, days: m[3] ? m[3].split(',').map(Number) : [] } };
  }
  try {
    return { [k]: JSON.parse(w) as unknown } as Partial<Settings>;
  } catch {
    throw new HavreError('USAGE', { detail: `${k} takes JSON, e.g. [{"days":[],"start":"09:00","end":"18:00","uploadKiBps":512}]` });
  }
}

/**
 * `havre settings` shows the settings in effect (and what IT's policy locks); `havre settings set
 * KEY VALUE...` changes one; `havre settings reset KEY` goes back to the default. A running daemon
 * or app picks the change up within a second.
 */
export async function settingsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  const [verb, name, ...words] = positionals;
  if (verb === 'set') await updateSettings(ctx.home, parseSetting(key(name), words));
  else if (verb === 'reset') await resetSettings(ctx.home, [key(name), ...words.map(key)]);
  else if (verb !== undefined && verb !== 'get') throw new HavreError('USAGE', { detail: 'havre settings [get | set KEY VALUE... | reset KEY]' });
  const view = await loadSettings(ctx.home);
  // An invalid machine policy or a folder it names that is missing: said on stderr, the settings still shown.
  for (const p of (await loadPolicy({ home: ctx.home })).problems) ctx.out.warn(p.message, p.messageFr);
  const show = (v: unknown): string => (v === null ? 'none' : Array.isArray(v) ? (v.length ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ') : '—') : typeof v === 'object' ? JSON.stringify(v) : String(v));
  ctx.out.result(view, () => SETTING_KEYS.map((k) => {
    const lock = view.locked[k];
    return `${k.padEnd(20)} ${show(view.values[k])}${lock ? `  (${ctx.out.t('locked', 'verrouillé')}: ${ctx.out.t(lock.message, lock.messageFr)})` : ''}`;
  }));
  return 0;
}
