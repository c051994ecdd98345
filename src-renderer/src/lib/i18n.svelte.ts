// The current language, reactive: from a saved choice, else navigator.language; switchable.

import { isLang, langFromLocale, translate, type Lang, type MessageKey, type Params } from './strings.js';

const STORAGE_KEY = 'havre.lang';

function savedLang(): Lang | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return isLang(v) ? v : null;
  } catch {
    return null;
  }
}

function initialLang(): Lang {
  return savedLang() ?? langFromLocale(typeof navigator === 'undefined' ? undefined : navigator.language);
}

function apply(lang: Lang): void {
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
}

const first = initialLang();
apply(first);
let current = $state<Lang>(first);

export const i18n = {
  get lang(): Lang {
    return current;
  },
  set lang(lang: Lang) {
    current = lang;
    apply(lang);
    try {
      localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      // storage unavailable: the choice lasts for this session only
    }
  },
};

export function t(key: MessageKey, params?: Params): string {
  return translate(current, key, params);
}
