// What an S3 target is made of: where (endpoint, bucket, prefix), who (one access key per machine,
// DESIGN.md §4), and how (Object Lock policy, retries, limits). Plain data, checked by S3Store.
import type { RetryPolicy } from '../../net/retry.js';
import type { Throttle } from '../../net/Throttle.js';
import type { ObjectLockPolicy } from '../Store.js';

export interface S3Location {
  /** `https://host[:port][/path]`; `http://` only for a loopback host (tests, local gateways). */
  readonly endpoint: string;
  /** Any region string; S3-compatible services often accept anything ("us-east-1"). */
  readonly region: string;
  readonly bucket: string;
  /** '' or a folder inside the bucket ("havre/laptop-42/"); normalised to end with one '/'. */
  readonly prefix: string;
  /** 'path': https://host/bucket/key (most S3-compatibles); 'virtual': https://bucket.host/key (AWS). */
  readonly addressing: 'path' | 'virtual';
  /** A private CA to trust instead of the system's (PEM), for on-premises gateways. */
  readonly caPem?: string;
}

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3Timeouts {
  /** TCP + TLS connection set-up; default 10 000. */
  readonly connectMs?: number;
  /** The longest silence on an open connection before it is given up; default 60 000. */
  readonly idleMs?: number;
}

export type S3StoreOptions = S3Location & {
  readonly credentials: S3Credentials;
  /** Object Lock on every object written; null = none (a bucket without Object Lock). */
  readonly lock: ObjectLockPolicy | null;
  /** The target's name in havre's configuration, for messages; default 'cloud'. */
  readonly targetName?: string;
  /** Default DEFAULT_RETRY. */
  readonly retry?: RetryPolicy;
  readonly timeouts?: S3Timeouts;
  readonly upload?: Throttle;
  readonly download?: Throttle;
  /** Requests in flight at most (and connections kept); default 4. */
  readonly maxSockets?: number;
  /** The client's initial clock offset in ms (tests only: simulates a wrong local clock). */
  readonly clockOffsetMs?: number;
};
