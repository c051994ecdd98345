// Waiting on real processes and files: poll a condition with a generous deadline that only catches
// a hang. No test asserts how fast anything is (speed is bench/'s business).

/**
 * Polls `cond` every `everyMs` until it holds; fails naming `what` if it still does not after
 * `timeoutMs`. A function for `what` is called only then: it can say what the process had said.
 */
export async function until(cond: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 60_000, everyMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Polls `get` until it gives a value (not undefined), and returns it; fails like `until`. */
export async function untilValue<T>(get: () => T | undefined | Promise<T | undefined>, what: string | (() => string), timeoutMs = 60_000, everyMs = 20): Promise<T> {
  let value: T | undefined;
  await until(async () => (value = await get()) !== undefined, what, timeoutMs, everyMs);
  return value!;
}
