// Havre to a bucket of the run's local S3 server (Ceph radosgw): a cloud-only repository, made by
// `havre target add s3` with no repository configured, every object under Object Lock (GOVERNANCE),
// then the same CLI commands as the fs runner. The access key goes through the environment
// (HAVRE_S3_ACCESS_KEY_ID / HAVRE_S3_SECRET_ACCESS_KEY, no keychain); the server's daemons are not
// counted in Havre's CPU time or peak RSS.
import { onBucket } from './bucket.js';
import { havreCommand, havreRunner, type HavreOptions } from './havre.js';
import type { ToolContext, ToolRunner } from './types.js';

const LOCK_MODE = 'governance';
const LOCK_DAYS = 30;

export function havreS3Runner(ctx: ToolContext): ToolRunner {
  const opts: HavreOptions = {
    keychain: false,
    env: ctx.s3 ? { HAVRE_S3_ACCESS_KEY_ID: ctx.s3.accessKeyId, HAVRE_S3_SECRET_ACCESS_KEY: ctx.s3.secretAccessKey } : {},
  };
  const run = havreCommand(ctx, opts);
  return onBucket(ctx, havreRunner(ctx, opts), {
    name: 'havre-s3',
    lock: true,
    settings: [
      'the same CLI defaults as Havre (fs), to a cloud-only repository in its own bucket of the local S3 server (`havre target add s3` with no repository configured)',
      `Object Lock on every object: ${LOCK_MODE.toUpperCase()}, ${LOCK_DAYS} days (the CLI defaults, passed explicitly), bucket created with Object Lock (so versioned)`,
      'S3 store defaults: path-style addressing, 3 uploads in parallel, plain HTTP to 127.0.0.1',
      'access key from the environment (`HAVRE_S3_ACCESS_KEY_ID`, `HAVRE_S3_SECRET_ACCESS_KEY`), no keychain (`HAVRE_KEYCHAIN=none`)',
      "the S3 server's daemons are not counted in CPU time or peak RSS",
    ],
    url: (endpoint, bucket) => `s3://${bucket} at ${endpoint}`,
    init: (endpoint, bucket) =>
      run(['target', 'add', 's3', '--endpoint', endpoint, '--bucket', bucket, '--lock-mode', LOCK_MODE, '--lock-days', String(LOCK_DAYS), '--json']),
  });
}
