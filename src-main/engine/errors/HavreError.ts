import { messages, type ErrorCode, type Lang } from './codes.js';

export type ErrorParams = Record<string, string | number>;

function fill(template: string, params: ErrorParams): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/** The one error type that crosses module boundaries: a stable code, safe params, two languages. */
export class HavreError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;

  constructor(code: ErrorCode, params: ErrorParams = {}, options?: { cause?: unknown }) {
    super(fill(messages[code].en, params), options);
    this.name = 'HavreError';
    this.code = code;
    this.params = params;
  }

  userMessage(lang: Lang = 'en'): string {
    return fill(messages[this.code][lang], this.params);
  }

  toJSON(): { code: ErrorCode; message: string; messageFr: string; params: ErrorParams } {
    return { code: this.code, message: this.userMessage('en'), messageFr: this.userMessage('fr'), params: this.params };
  }
}

export function isHavreError(e: unknown, code?: ErrorCode): e is HavreError {
  return e instanceof HavreError && (code === undefined || e.code === code);
}

/** Node's errno code of an error, if any ('ENOENT', 'ENOSPC', ...). */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

/** Language for user-facing text: HAVRE_LANG, then LC_ALL/LC_MESSAGES/LANG. */
export function userLang(env: NodeJS.ProcessEnv = process.env): Lang {
  const v = env.HAVRE_LANG ?? env.LC_ALL ?? env.LC_MESSAGES ?? env.LANG ?? '';
  return v.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}
