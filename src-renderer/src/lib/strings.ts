// Every sentence the renderer shows, in English and French, one module per screen (strings/).
// Placeholders look like {name}. The French table must name every English key (type-checked).

import * as activity from './strings/activity.js';
import * as common from './strings/common.js';
import * as dashboard from './strings/dashboard.js';
import * as restore from './strings/restore.js';
import * as settings from './strings/settings.js';

export const LANGS = ['en', 'fr'] as const;
export type Lang = (typeof LANGS)[number];

const en = { ...common.en, ...dashboard.en, ...activity.en, ...restore.en, ...settings.en };

export type MessageKey = keyof typeof en;

const fr: Record<MessageKey, string> = { ...common.fr, ...dashboard.fr, ...activity.fr, ...restore.fr, ...settings.fr };

export const MESSAGES: Record<Lang, Record<MessageKey, string>> = { en, fr };

export type Params = Record<string, string | number>;

export function translate(lang: Lang, key: MessageKey, params: Params = {}): string {
  return MESSAGES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/** 'fr', 'fr-FR', 'fr-CA'… → fr; anything else → en. */
export function langFromLocale(locale: string | undefined): Lang {
  return locale !== undefined && locale.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}
