// From what went wrong on the wire to the HavreError the user reads (PROTOCOL.md §2). Kept apart
// from the client so the mapping is one table, unit-tested without a server.
import { HavreError, errnoCode } from '../errors/index.js';
import type { ObjectKind } from '../store/index.js';
import { printable, type WireErrorInfo } from './responses.js';
import { RETRYABLE_NETWORK } from '../net/retry.js';

/** Node's and OpenSSL's codes for "this certificate does not prove who the server is". */
const TLS_VERIFY_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG', 'INVALID_CA', 'INVALID_PURPOSE', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_TLS_CERT_ALTNAME_FORMAT',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO',
]);

/** Short, fixed reasons: errors never carry server text that could hold anything sensitive. */
const TLS_REASONS: Record<string, string> = {
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this host',
  HOSTNAME_MISMATCH: 'the certificate does not name this host',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate is not issued by the pinned appliance CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is not issued by the pinned appliance CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is not issued by the pinned appliance CA',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate is not issued by the pinned appliance CA',
  CERT_SIGNATURE_FAILURE: 'bad certificate signature',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  ERR_SSL_WRONG_VERSION_NUMBER: 'no TLS 1.2+ on that port',
  EPROTO: 'TLS handshake failed',
};

export function isTlsVerifyError(e: unknown): boolean {
  const code = errnoCode(e);
  return code !== undefined && TLS_VERIFY_CODES.has(code);
}

/** The innermost cause that has a code (got wraps Node's errors in RequestError). */
function rootCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const code = errnoCode(cur);
    if (code && code !== 'ERR_GOT_REQUEST_ERROR' && code !== 'ERR_NON_2XX_3XX_RESPONSE') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return errnoCode(e);
}

export function transportCode(e: unknown): string | undefined {
  return rootCode(e);
}

export function isRetryableTransport(e: unknown): boolean {
  const code = rootCode(e);
  if (code !== undefined && RETRYABLE_NETWORK.has(code)) return true;
  return e instanceof Error && /socket hang up|other side closed|premature close/i.test(e.message);
}

/** A failure below HTTP: TLS verification (never retried) or the network (after retries). */
export function mapTransportError(e: unknown, url: string): HavreError {
  if (e instanceof HavreError) return e;
  const code = rootCode(e);
  if (code !== undefined && TLS_VERIFY_CODES.has(code)) {
    return new HavreError('APPLIANCE_CERT_MISMATCH', { url, reason: TLS_REASONS[code] ?? code });
  }
  const reason = code ?? (e instanceof Error && /socket hang up/i.test(e.message) ? 'socket hang up' : 'connection failed');
  return new HavreError('APPLIANCE_UNREACHABLE', { url, reason });
}

export interface WireContext {
  readonly url: string;
  readonly status: number;
  /** Set for object requests: a 404 then means OBJECT_MISSING. */
  readonly object?: { kind: ObjectKind; name: string };
}

/** An HTTP error answer, mapped by its wire code (PROTOCOL.md §2). */
export function mapWireError(info: WireErrorInfo, ctx: WireContext): HavreError {
  const p = info.params;
  const reason = info.message || `HTTP ${ctx.status}`;
  switch (info.code) {
    case 'WRONG_PASSWORD':
      return new HavreError('WRONG_PASSWORD_ATTEMPTS', { remaining: typeof p.remaining === 'number' ? p.remaining : '?' });
    case 'LOCKED_OUT':
      return new HavreError('LOCKED_OUT', { until: typeof p.until === 'string' ? p.until : '?' });
    case 'TOKEN_INVALID':
      return new HavreError('TOKEN_INVALID', { reason: typeof p.reason === 'string' ? printable(p.reason, 20) : 'unknown' });
    case 'CERT_UNTRUSTED':
    case 'CERT_UNKNOWN':
    case 'MACHINE_REVOKED':
      return new HavreError('APPLIANCE_CERT_REFUSED', { reason: info.code === 'MACHINE_REVOKED' ? 'machine revoked' : info.code === 'CERT_UNKNOWN' ? 'certificate replaced or unknown' : 'certificate not issued by this appliance' });
    case 'AUTH_REQUIRED':
      return new HavreError('APPLIANCE_CERT_REFUSED', { reason: 'no machine certificate or session was accepted' });
    case 'SESSION_INVALID':
      return new HavreError('APPLIANCE_FORBIDDEN', { reason: 'the session expired; sign in again' });
    case 'FORBIDDEN':
      return new HavreError('APPLIANCE_FORBIDDEN', { reason });
    case 'QUOTA_EXCEEDED':
      return new HavreError('APPLIANCE_QUOTA', { used: p.used ?? '?', quota: p.quota ?? '?' });
    case 'STORAGE_FULL':
      return new HavreError('STORE_FULL', { path: ctx.url });
    case 'NOT_FOUND':
      if (ctx.object) return new HavreError('OBJECT_MISSING', { kind: ctx.object.kind, name: ctx.object.name });
      break;
    case 'UNAVAILABLE':
      // Shutting down or overloaded, still so after the retries: for the user, out of reach for now.
      return new HavreError('APPLIANCE_UNREACHABLE', { url: ctx.url, reason: 'the appliance is shutting down or overloaded' });
    case null:
      // A proxy or load balancer in front of a stopped appliance answers these without our body.
      if (ctx.status === 502 || ctx.status === 503 || ctx.status === 504) return new HavreError('APPLIANCE_UNREACHABLE', { url: ctx.url, reason: `HTTP ${ctx.status}` });
      break;
    default:
      break;
  }
  return new HavreError('APPLIANCE_ERROR', { status: ctx.status, code: info.code ?? 'no code', reason });
}
