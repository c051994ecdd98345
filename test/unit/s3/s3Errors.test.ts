import { describe, expect, it } from 'vitest';
import { describeFailure, needsDiagnosis, toHavreError, type ErrorContext } from '../../../src-main/engine/store/s3/s3Errors.js';

/** What the SDK throws for an S3 error answer. */
function s3(status: number, code?: string, extra: Record<string, unknown> = {}): unknown {
  return Object.assign(new Error('UnknownError'), { name: code ?? (status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : 'BadRequest'), $metadata: { httpStatusCode: status }, ...(code ? { Code: code } : {}), ...extra });
}

/** What Node throws below HTTP. */
function net(code: string, message = code): unknown {
  return Object.assign(new Error(message), { code, $metadata: { attempts: 1 } });
}

const ctx: ErrorContext = {
  endpoint: 'https://s3.example',
  bucket: 'backups',
  targetName: 'offsite',
  action: 'write',
  what: 'data/0123456789ab',
  object: { kind: 'data', name: '01'.repeat(32) },
  locking: true,
  attempts: 5,
  clockOffsetMs: 0,
};

function final(e: unknown, over: Partial<ErrorContext> = {}): { code: string; params: Record<string, string | number> } {
  const err = toHavreError(describeFailure(e), { ...ctx, ...over }, e);
  return { code: err.code, params: err.params };
}

describe('S3 failures: what is retried', () => {
  const table: [string, unknown, string | null][] = [
    ['connection refused', net('ECONNREFUSED'), 'network'],
    ['connection reset', net('ECONNRESET'), 'network'],
    ['broken pipe', net('EPIPE'), 'network'],
    ['DNS hiccup', net('EAI_AGAIN'), 'network'],
    ['socket hang up without a code', Object.assign(new Error('socket hang up'), { $metadata: {} }), 'network'],
    ['SDK timeout', Object.assign(new Error('the request socket timed out'), { name: 'TimeoutError' }), 'network'],
    ['500', s3(500, 'InternalError'), 'server'],
    ['502 without a body', s3(502), 'server'],
    ['503 ServiceUnavailable', s3(503, 'ServiceUnavailable'), 'server'],
    ['504', s3(504), 'server'],
    ['400 RequestTimeout', s3(400, 'RequestTimeout'), 'server'],
    ['503 SlowDown', s3(503, 'SlowDown'), 'throttled'],
    ['429', s3(429), 'throttled'],
    ['RequestTimeTooSkewed', s3(403, 'RequestTimeTooSkewed'), 'skew'],
    ['HEAD 403 after the SDK corrected its clock', s3(403, undefined, { $metadata: { httpStatusCode: 403, clockSkewCorrected: true } }), 'skew'],
    ['BadDigest', s3(400, 'BadDigest'), 'digest'],
    ['XAmzContentSHA256Mismatch', s3(400, 'XAmzContentSHA256Mismatch'), 'digest'],
    ['InvalidDigest', s3(400, 'InvalidDigest'), 'digest'],
    ['InvalidAccessKeyId', s3(403, 'InvalidAccessKeyId'), null],
    ['SignatureDoesNotMatch', s3(403, 'SignatureDoesNotMatch'), null],
    ['ExpiredToken', s3(400, 'ExpiredToken'), null],
    ['AccessDenied', s3(403, 'AccessDenied'), null],
    ['QuotaExceeded', s3(403, 'QuotaExceeded'), null],
    ['NoSuchBucket', s3(404, 'NoSuchBucket'), null],
    ['NoSuchKey', s3(404, 'NoSuchKey'), null],
    ['InvalidRequest', s3(400, 'InvalidRequest'), null],
    ['untrusted certificate', net('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), null],
    ['expired certificate', net('CERT_HAS_EXPIRED'), null],
  ];
  for (const [label, e, retry] of table) {
    it(label, () => expect(describeFailure(e).retry).toBe(retry));
  }

  it('reads the code from Code, or from name when it is a known S3 code; never from generic names', () => {
    expect(describeFailure(s3(404)).code).toBeNull(); // name 'NotFound': a HEAD's generic name
    expect(describeFailure(Object.assign(new Error('x'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } })).code).toBe('NoSuchKey');
  });

  it('takes Retry-After from the answer', () => {
    expect(describeFailure(s3(503, 'SlowDown', { $response: { headers: { 'retry-after': '3' } } })).retryAfter).toBe('3');
  });

  it('asks for a diagnosis only for body-less refusals', () => {
    expect(needsDiagnosis(describeFailure(s3(403)))).toBe(true);
    expect(needsDiagnosis(describeFailure(s3(400)))).toBe(true);
    expect(needsDiagnosis(describeFailure(s3(403, 'AccessDenied')))).toBe(false);
    expect(needsDiagnosis(describeFailure(s3(404)))).toBe(false);
  });
});

describe('S3 failures: what the user reads', () => {
  it('maps key problems to S3_CREDENTIALS_REJECTED with the S3 code as reason', () => {
    for (const code of ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'UserSuspended']) {
      expect(final(s3(403, code))).toEqual({ code: 'S3_CREDENTIALS_REJECTED', params: { bucket: 'backups', reason: code, target: 'offsite' } });
    }
  });

  it('maps permissions, bucket, quota and Object Lock', () => {
    expect(final(s3(403, 'AccessDenied'), { action: 'delete' })).toEqual({ code: 'S3_FORBIDDEN', params: { action: 'delete', bucket: 'backups' } });
    expect(final(s3(403), { action: 'read' })).toEqual({ code: 'S3_FORBIDDEN', params: { action: 'read', bucket: 'backups' } });
    expect(final(s3(404, 'NoSuchBucket'))).toEqual({ code: 'S3_BUCKET_MISSING', params: { bucket: 'backups', endpoint: 'https://s3.example' } });
    expect(final(s3(403, 'QuotaExceeded'))).toEqual({ code: 'S3_QUOTA_EXCEEDED', params: { bucket: 'backups' } });
    expect(final(s3(400, 'InvalidRequest'))).toEqual({ code: 'S3_NO_OBJECT_LOCK', params: { bucket: 'backups' } });
    // Without lock headers an InvalidRequest is something else.
    expect(final(s3(400, 'InvalidRequest'), { locking: false }).code).toBe('S3_SERVER_ERROR');
  });

  it('maps a missing object to OBJECT_MISSING only for object requests', () => {
    expect(final(s3(404, 'NoSuchKey'))).toEqual({ code: 'OBJECT_MISSING', params: { kind: 'data', name: '01'.repeat(32) } });
    expect(final(s3(404), { object: undefined }).code).toBe('S3_SERVER_ERROR');
  });

  it('maps exhausted retries by their kind', () => {
    expect(final(s3(503, 'SlowDown'))).toEqual({ code: 'S3_THROTTLED', params: { endpoint: 'https://s3.example', attempts: 5 } });
    expect(final(s3(500, 'InternalError'))).toEqual({ code: 'S3_SERVER_ERROR', params: { what: 'data/0123456789ab', status: 500, reason: 'InternalError', attempts: 5 } });
    expect(final(s3(502))).toEqual({ code: 'S3_SERVER_ERROR', params: { what: 'data/0123456789ab', status: 502, reason: 'HTTP 502', attempts: 5 } });
    expect(final(s3(400, 'BadDigest'))).toEqual({ code: 'S3_BAD_DIGEST', params: { what: 'data/0123456789ab', attempts: 5, endpoint: 'https://s3.example' } });
    expect(final(s3(403, 'RequestTimeTooSkewed'), { clockOffsetMs: -3_590_000 })).toEqual({ code: 'S3_CLOCK_SKEW', params: { minutes: 60 } });
  });

  it('maps network and TLS failures to S3_UNREACHABLE with a short reason', () => {
    const reason = (e: unknown): unknown => final(e).params.reason;
    expect(reason(net('ECONNREFUSED'))).toBe('connection refused');
    expect(reason(net('ECONNRESET'))).toBe('connection reset');
    expect(reason(Object.assign(new Error('socket hang up'), {}))).toBe('connection reset');
    expect(reason(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe('timed out');
    expect(reason(net('ENOTFOUND'))).toBe('host name not found');
    expect(reason(net('SELF_SIGNED_CERT_IN_CHAIN'))).toBe('TLS certificate not trusted');
    expect(reason(net('ERR_TLS_CERT_ALTNAME_INVALID'))).toBe('TLS certificate does not name this host');
    expect(final(net('ECONNREFUSED')).code).toBe('S3_UNREACHABLE');
  });

  it('finds Node codes down the cause chain', () => {
    const wrapped = Object.assign(new Error('fetch failed'), { cause: net('ECONNRESET') });
    expect(describeFailure(wrapped).retry).toBe('network');
  });

  it('keeps the cause without what S3 services echo of the signature', () => {
    const e = s3(403, 'SignatureDoesNotMatch', { StringToSign: 'AWS4-HMAC-SHA256\n...', SignatureProvided: 'deadbeef', AWSAccessKeyId: 'AKIAEXAMPLE', $response: { headers: {} } });
    const err = toHavreError(describeFailure(e), ctx, e);
    const cause = err.cause as Record<string, unknown>;
    expect(cause.Code).toBe('SignatureDoesNotMatch');
    for (const f of ['StringToSign', 'SignatureProvided', 'AWSAccessKeyId', '$response']) expect(cause[f]).toBeUndefined();
    expect(JSON.stringify(err.toJSON())).not.toMatch(/AKIAEXAMPLE|deadbeef/);
  });
});
