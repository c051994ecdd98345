// What the S3 runners share: the repository is a fresh bucket on the run's local S3 server
// (bench/lib/s3server.ts), made unmeasured just before the tool's own measured init; its size is
// what the bucket holds. Backup, no-op backup and restore stay the base runner's commands.
import type { ProcResult } from '../lib/proc.js';
import { setupFailure } from './exec.js';
import type { ToolContext, ToolName, ToolRunner } from './types.js';

export interface BucketTool {
  name: ToolName;
  settings: string[];
  /** create the bucket with Object Lock (hence versioning) */
  lock: boolean;
  /** the repository's address for the tool and the report */
  url(endpoint: string, bucket: string): string;
  /** the measured init of the tool, once the bucket exists */
  init(endpoint: string, bucket: string, url: string): Promise<ProcResult>;
}

export function onBucket(ctx: ToolContext, base: ToolRunner, tool: BucketTool): ToolRunner {
  const s3 = ctx.s3;
  let bucket = '';
  let url = '';
  return {
    ...base,
    name: tool.name,
    settings: tool.settings,
    async init() {
      let endpoint: string;
      try {
        if (!s3) throw new Error('no S3 server in this run');
        endpoint = await s3.start();
        bucket = await s3.createBucket(tool.name, { lock: tool.lock });
      } catch (e) {
        return setupFailure(`local S3 server, create bucket${tool.lock ? ' with Object Lock' : ''}`, e instanceof Error ? e.message : String(e));
      }
      url = tool.url(endpoint, bucket);
      return tool.init(endpoint, bucket, url);
    },
    repoDir: () => url,
    repoUsage: () => (s3 && bucket ? s3.bucketUsage(bucket) : Promise.reject(new Error('no bucket'))),
  };
}
