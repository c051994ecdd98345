// What every network store shares: retries with backoff and full jitter, and bandwidth limits.
export { Throttle, throttleFor, realClock, type Clock } from './Throttle.js';
export { backoffDelay, defaultSleep, DEFAULT_RETRY, retryAfterMs, RETRYABLE_NETWORK, RETRYABLE_STATUS, type RetryPolicy } from './retry.js';
