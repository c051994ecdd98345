// One S3 request, tried until it works or must stop: our loop, not the SDK's, so the policy, the
// sleeps and the jitter are injectable and every failure ends as one HavreError (s3Errors.ts).
import type { S3Client } from '@aws-sdk/client-s3';
import { HavreError } from '../../errors/index.js';
import { backoffDelay, defaultSleep, retryAfterMs, type RetryPolicy } from '../../net/retry.js';
import type { Gate } from './Gate.js';
import { describeFailure, needsDiagnosis, toHavreError, type ErrorContext } from './s3Errors.js';

/** A clock correction this large during a refused request means the clock was the reason. */
const CLOCK_JUMP_MS = 60_000;

export type RequestSpec = Pick<ErrorContext, 'action' | 'what' | 'object'> & {
  readonly locking?: boolean;
  /**
   * Run when the answer had no S3 code (HEAD): a request whose answer has a body, to throw the
   * error that explains it. When it does not throw, the original request is tried once more.
   */
  readonly diagnose?: () => Promise<void>;
};

export interface RequestTarget {
  readonly endpoint: string;
  readonly bucket: string;
  readonly targetName: string;
}

export class S3Requests {
  constructor(
    readonly client: S3Client,
    private readonly policy: RetryPolicy,
    private readonly gate: Gate,
    private readonly target: RequestTarget,
  ) {}

  /** The client's clock offset from the server's, as the SDK last measured it (ms). */
  clockOffsetMs(): number {
    return this.client.config.systemClockOffset ?? 0;
  }

  /**
   * Runs `fn` (attempt counts from 1) until it succeeds, retrying what may be retried. `fn` must
   * build its request anew each time: a stream body cannot be sent twice.
   */
  async run<T>(spec: RequestSpec, fn: (attempt: number) => Promise<T>): Promise<T> {
    const sleep = this.policy.sleep ?? defaultSleep;
    const attempts = Math.max(1, this.policy.maxAttempts);
    let diagnosed = false;
    for (let attempt = 1; ; attempt++) {
      let error: unknown;
      const offsetBefore = this.clockOffsetMs();
      try {
        return await this.gate.run(() => fn(attempt));
      } catch (e) {
        if (e instanceof HavreError) throw e;
        error = e;
      }
      let f = describeFailure(error);
      // A HEAD refused without a body while the SDK moved its clock by minutes from the answer's
      // Date: RequestTimeTooSkewed, unsaid. The next try is signed with the server's time.
      if (f.status === 403 && f.code === null && f.retry === null && Math.abs(this.clockOffsetMs() - offsetBefore) >= CLOCK_JUMP_MS) f = { ...f, retry: 'skew' };
      if (f.retry !== null && attempt < attempts) {
        // Slept outside the gate: a request waiting to retry does not hold a connection.
        await sleep(Math.max(backoffDelay(attempt - 1, this.policy), retryAfterMs(f.retryAfter, this.policy) ?? 0));
        continue;
      }
      if (spec.diagnose && !diagnosed && needsDiagnosis(f)) {
        diagnosed = true;
        await spec.diagnose();
        if (attempt < attempts) continue;
      }
      throw toHavreError(f, { ...this.target, ...spec, locking: spec.locking === true, attempts: attempt, clockOffsetMs: this.clockOffsetMs() }, error);
    }
  }
}
