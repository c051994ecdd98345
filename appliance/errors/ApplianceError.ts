import type { WireError } from '../../src-main/engine/appliance/protocol.js';
import { isWireCode, textOf, WIRE, type ApplianceErrorCode, type Lang } from './messages.js';

export type ErrorParams = Record<string, string | number>;

function fill(template: string, params: ErrorParams): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/**
 * The one error type of the appliance: a stable code, safe params (never a secret), two languages.
 * Wire codes carry their HTTP status; the HTTP layer turns them into PROTOCOL.md §2 bodies.
 */
export class ApplianceError extends Error {
  readonly code: ApplianceErrorCode;
  readonly params: ErrorParams;

  constructor(code: ApplianceErrorCode, params: ErrorParams = {}, options?: { cause?: unknown }) {
    super(fill(textOf(code).en, params), options);
    this.name = 'ApplianceError';
    this.code = code;
    this.params = params;
  }

  /** HTTP status: the code's own for wire codes, 500 for admin-side ones. */
  get status(): number {
    return isWireCode(this.code) ? WIRE[this.code].status : 500;
  }

  userMessage(lang: Lang = 'en'): string {
    return fill(textOf(this.code)[lang], this.params);
  }

  /** The PROTOCOL.md §2 body. Admin-side codes never reach the wire: they become INTERNAL. */
  toWire(): WireError {
    if (!isWireCode(this.code)) return new ApplianceError('INTERNAL', { reason: 'appliance error' }).toWire();
    const params = Object.keys(this.params).length > 0 ? { params: this.params } : {};
    return { error: { code: this.code, message: this.message, ...params } };
  }

  toJSON(): { code: ApplianceErrorCode; message: string; messageFr: string; params: ErrorParams } {
    return { code: this.code, message: this.userMessage('en'), messageFr: this.userMessage('fr'), params: this.params };
  }
}

export function isApplianceError(e: unknown, code?: ApplianceErrorCode): e is ApplianceError {
  return e instanceof ApplianceError && (code === undefined || e.code === code);
}
