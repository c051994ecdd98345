// From an SDK failure to a retry decision, then to the HavreError a user reads. One table, kept
// apart from the store so it is unit-tested with error-shaped objects, without a server. Messages
// and params carry fixed short reasons and S3 codes only: never server text, keys or signatures.
import { HavreError, errnoCode, type ErrorCode } from '../../errors/index.js';
import { RETRYABLE_NETWORK } from '../../net/retry.js';
import type { ObjectKind } from '../Store.js';

/** Why a failure is worth another try. */
export type RetryClass = 'network' | 'throttled' | 'server' | 'skew' | 'digest';

/** What the user was trying to do, as S3_FORBIDDEN says it ("may not {action} in bucket"). */
export type S3Action = 'read' | 'write' | 'list' | 'delete' | 'change locks' | 'read the settings of';

export interface Failure {
  /** HTTP status, or null when no answer came (network, TLS). */
  readonly status: number | null;
  /** The S3 error code (`NoSuchBucket`), or null: HEAD answers have no body, hence no code. */
  readonly code: string | null;
  /** Node's code for a failure below HTTP (`ECONNREFUSED`, `CERT_HAS_EXPIRED`), or null. */
  readonly netCode: string | null;
  readonly retry: RetryClass | null;
  readonly retryAfter: string | undefined;
}

const CREDENTIAL_CODES: ReadonlySet<string> = new Set([
  'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'UserSuspended',
]);
const SERVER_CODES: ReadonlySet<string> = new Set(['InternalError', 'ServiceUnavailable', 'RequestTimeout']);
const THROTTLE_CODES: ReadonlySet<string> = new Set(['SlowDown', 'TooManyRequests']);
const DIGEST_CODES: ReadonlySet<string> = new Set(['BadDigest', 'XAmzContentSHA256Mismatch', 'InvalidDigest']);
const SERVER_STATUS: ReadonlySet<number> = new Set([500, 502, 503, 504]);
/** Codes the SDK may put in `name` only (its generic names for body-less answers are not codes). */
const KNOWN_CODES: ReadonlySet<string> = new Set([
  ...CREDENTIAL_CODES, ...SERVER_CODES, ...THROTTLE_CODES, ...DIGEST_CODES,
  'RequestTimeTooSkewed', 'AccessDenied', 'NoSuchBucket', 'NoSuchKey', 'QuotaExceeded', 'InvalidRequest', 'InvalidRange',
  'ObjectLockConfigurationNotFoundError',
]);

/** Node's and OpenSSL's codes for "this certificate does not prove who the server is", and their reasons. */
const TLS_REASONS: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'TLS certificate not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted',
  CERT_UNTRUSTED: 'TLS certificate not trusted',
  CERT_REJECTED: 'TLS certificate not trusted',
  INVALID_CA: 'TLS certificate not trusted',
  CERT_SIGNATURE_FAILURE: 'TLS certificate not trusted',
  CERT_CHAIN_TOO_LONG: 'TLS certificate not trusted',
  INVALID_PURPOSE: 'TLS certificate not trusted',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 'TLS certificate not trusted',
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'TLS certificate not trusted',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  CERT_NOT_YET_VALID: 'TLS certificate not valid yet',
  HOSTNAME_MISMATCH: 'TLS certificate does not name this host',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not name this host',
  ERR_TLS_CERT_ALTNAME_FORMAT: 'TLS certificate does not name this host',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'no TLS 1.2 or later offered',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'no TLS 1.2 or later offered',
  EPROTO: 'TLS handshake failed',
};

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ECONNABORTED: 'connection reset',
  ERR_STREAM_PREMATURE_CLOSE: 'connection reset',
  UND_ERR_SOCKET: 'connection reset',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name not found',
  EHOSTUNREACH: 'host unreachable',
  EHOSTDOWN: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network unreachable',
};

interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly Code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown; readonly clockSkewCorrected?: unknown };
  readonly $response?: { readonly headers?: Record<string, string | undefined> };
}

function shape(e: unknown): SdkErrorShape {
  return typeof e === 'object' && e !== null ? (e as SdkErrorShape) : {};
}

/** The innermost Node error code along the cause chain. */
function netCodeOf(e: unknown): string | null {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const c = errnoCode(cur);
    if (c !== undefined) return c;
    cur = (cur as { cause?: unknown }).cause;
  }
  const s = shape(e);
  if (s.name === 'TimeoutError') return 'ETIMEDOUT';
  if (typeof s.message === 'string' && /socket hang up|other side closed|premature close|^aborted$/i.test(s.message)) return 'ECONNRESET';
  return null;
}

export function isTlsFailure(f: Failure): boolean {
  return f.netCode !== null && f.netCode in TLS_REASONS;
}

/** Reads an SDK (or Node) failure. */
export function describeFailure(e: unknown): Failure {
  const s = shape(e);
  const rawStatus = s.$metadata?.httpStatusCode;
  const status = typeof rawStatus === 'number' && rawStatus > 0 ? rawStatus : null;
  const code = typeof s.Code === 'string' && s.Code !== '' ? s.Code : typeof s.name === 'string' && KNOWN_CODES.has(s.name) ? s.name : null;
  const netCode = status === null ? netCodeOf(e) : null;
  const retryAfter = s.$response?.headers?.['retry-after'];
  let retry: RetryClass | null = null;
  if (status === null) {
    if (netCode !== null && !(netCode in TLS_REASONS) && RETRYABLE_NETWORK.has(netCode)) retry = 'network';
  } else if (code === 'RequestTimeTooSkewed' || (status === 403 && code === null && s.$metadata?.clockSkewCorrected === true)) {
    // The SDK has just set its clock offset from the server's Date header: the next try is signed right.
    retry = 'skew';
  } else if (code !== null && DIGEST_CODES.has(code)) retry = 'digest';
  else if ((code !== null && THROTTLE_CODES.has(code)) || status === 429) retry = 'throttled';
  else if ((code !== null && SERVER_CODES.has(code)) || SERVER_STATUS.has(status)) retry = 'server';
  return { status, code, netCode, retry, retryAfter };
}

/** A HEAD, or a proxy's answer, without a body: the S3 code must be found out by another request. */
export function needsDiagnosis(f: Failure): boolean {
  return f.code === null && (f.status === 400 || f.status === 403) && f.retry === null;
}

export interface ErrorContext {
  readonly endpoint: string;
  readonly bucket: string;
  readonly targetName: string;
  readonly action: S3Action;
  /** `kind/name12`, `data/ (list)`, `bucket`: what the request was about, for messages. */
  readonly what: string;
  /** Set for requests about one object: a missing key then means OBJECT_MISSING. */
  readonly object?: { readonly kind: ObjectKind; readonly name: string };
  /** The request carried Object Lock headers (or set a retention). */
  readonly locking: boolean;
  readonly attempts: number;
  /** The client's clock offset (ms) after the failure, for S3_CLOCK_SKEW. */
  readonly clockOffsetMs: number;
}

/** The final error for a failure that will not be tried again. */
export function toHavreError(f: Failure, ctx: ErrorContext, cause?: unknown): HavreError {
  const err = (code: ErrorCode, params: Record<string, string | number>): HavreError => new HavreError(code, params, cause === undefined ? undefined : { cause: scrub(cause) });
  if (f.status === null) {
    if (f.netCode !== null && f.netCode in TLS_REASONS) return err('S3_UNREACHABLE', { endpoint: ctx.endpoint, reason: TLS_REASONS[f.netCode]! });
    if (f.netCode !== null) return err('S3_UNREACHABLE', { endpoint: ctx.endpoint, reason: NETWORK_REASONS[f.netCode] ?? f.netCode.slice(0, 40) });
    return err('INTERNAL', { reason: `S3 request failed without an answer (${safeName(cause)})` });
  }
  const code = f.code;
  if (code !== null && CREDENTIAL_CODES.has(code)) return err('S3_CREDENTIALS_REJECTED', { bucket: ctx.bucket, reason: code, target: ctx.targetName });
  switch (f.retry) {
    case 'skew':
      return err('S3_CLOCK_SKEW', { minutes: Math.round(Math.abs(ctx.clockOffsetMs) / 60_000) });
    case 'digest':
      return err('S3_BAD_DIGEST', { what: ctx.what, attempts: ctx.attempts, endpoint: ctx.endpoint });
    case 'throttled':
      return err('S3_THROTTLED', { endpoint: ctx.endpoint, attempts: ctx.attempts });
    default:
      break;
  }
  if (code === 'AccessDenied') return err('S3_FORBIDDEN', { action: ctx.action, bucket: ctx.bucket });
  if (code === 'NoSuchBucket') return err('S3_BUCKET_MISSING', { bucket: ctx.bucket, endpoint: ctx.endpoint });
  if (code === 'QuotaExceeded') return err('S3_QUOTA_EXCEEDED', { bucket: ctx.bucket });
  if (ctx.locking && (code === 'InvalidRequest' || code === 'ObjectLockConfigurationNotFoundError')) return err('S3_NO_OBJECT_LOCK', { bucket: ctx.bucket });
  if (ctx.object && (code === 'NoSuchKey' || (code === null && f.status === 404))) return err('OBJECT_MISSING', { kind: ctx.object.kind, name: ctx.object.name });
  // A HEAD refused without a body, which no other request could explain.
  if (code === null && f.status === 403) return err('S3_FORBIDDEN', { action: ctx.action, bucket: ctx.bucket });
  if (ctx.object && code === 'InvalidRange') return err('INTEGRITY', { what: `${ctx.what} (range beyond the end)` });
  return err('S3_SERVER_ERROR', { what: ctx.what, status: f.status, reason: code ?? `HTTP ${f.status}`, attempts: ctx.attempts });
}

function safeName(e: unknown): string {
  const n = shape(e).name;
  return typeof n === 'string' ? n.slice(0, 40) : typeof e;
}

/**
 * Fields some S3 services put in error bodies that the SDK copies onto the error: the string
 * that was signed, the signature, the key id. The cause is kept for debugging, without them.
 */
const SENSITIVE_FIELDS = ['StringToSign', 'StringToSignBytes', 'SignatureProvided', 'CanonicalRequest', 'CanonicalRequestBytes', 'AWSAccessKeyId', '$response'] as const;

export function scrub(e: unknown): unknown {
  if (typeof e !== 'object' || e === null) return e;
  for (const f of SENSITIVE_FIELDS) {
    if (f in e) {
      try {
        delete (e as Record<string, unknown>)[f];
      } catch {
        // a frozen error keeps its fields; it is only ever a cause, never printed by us
      }
    }
  }
  return e;
}
