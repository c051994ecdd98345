// restic to a bucket of the run's local S3 server (Ceph radosgw) through its s3 backend
// (`-r s3:http://127.0.0.1:PORT/BUCKET`, key in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), with the
// same defaults and commands as the fs runner. restic does not use Object Lock: its bucket is a
// plain one. The server's daemons are not counted in restic's CPU time or peak RSS.
import { onBucket } from './bucket.js';
import { resticRunner } from './restic.js';
import type { ToolContext, ToolRunner } from './types.js';

export function resticS3Runner(ctx: ToolContext): ToolRunner {
  const base = resticRunner(ctx, {
    env: ctx.s3 ? { AWS_ACCESS_KEY_ID: ctx.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: ctx.s3.secretAccessKey } : {},
  });
  return onBucket(ctx, base, {
    name: 'restic-s3',
    lock: false,
    settings: [
      ...base.settings,
      's3 backend (minio-go) to its own bucket of the local S3 server, default `s3.connections` (5), plain HTTP to 127.0.0.1',
      'no Object Lock (restic does not use it): a plain bucket',
      "the S3 server's daemons are not counted in CPU time or peak RSS",
    ],
    url: (endpoint, bucket) => `s3:${endpoint}/${bucket}`,
    init: (_endpoint, _bucket, url) => base.init(url),
  });
}
