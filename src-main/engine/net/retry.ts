// Retries for the appliance protocol (PROTOCOL.md §2): 408, 429, 500, 502, 503, 504 and connection
// failures are retried with exponential backoff and full jitter (AWS architecture blog, "Exponential
// Backoff and Jitter": sleep = random(0, min(cap, base·2^attempt))), so many workstations coming
// back after an appliance reboot do not hammer it in lockstep. Everything else is final.

export interface RetryPolicy {
  /** Tries in all, the first included; 1 = no retry. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** [0, 1), injectable for tests. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Connection failures worth another try: the appliance may be rebooting or the Wi-Fi roaming. */
export const RETRYABLE_NETWORK: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'EHOSTDOWN', 'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET',
]);

/** Full jitter: uniform in [0, min(max, base·2^retry)). `retry` counts from 0 (the first retry). */
export function backoffDelay(retry: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry, 30));
  return Math.floor((policy.random ?? Math.random)() * ceiling);
}

/** A server's Retry-After in seconds, honoured when it asks for longer than our backoff (capped). */
export function retryAfterMs(header: string | string[] | undefined, policy: RetryPolicy): number | null {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || !/^\d{1,6}$/.test(v.trim())) return null;
  return Math.min(policy.maxDelayMs, Number(v.trim()) * 1000);
}

export function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
