// Waiting on real processes and files: poll a condition with a generous deadline that only catches
// a hang. No test asserts how fast anything is (speed is bench/'s business).

/** Polls `cond` every `everyMs` until it holds; fails naming `what` if it still does not after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000, everyMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
