import { HavreError } from '../../../src-main/engine/errors/index.js';

/** The HavreError thrown by fn; fails the test when fn returns or throws something else. */
export function thrown(fn: () => unknown): HavreError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HavreError) return e;
    throw new Error(`expected a HavreError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a HavreError, nothing was thrown');
}

/** The HavreError a promise rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejected(p: Promise<unknown>): Promise<HavreError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HavreError) return e;
    throw new Error(`expected a HavreError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a HavreError, the promise resolved');
}

/** Everything an error could show: message, stack, params, JSON, cause chain. */
export function everythingShown(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    if (cur instanceof Error) parts.push(cur.message, cur.stack ?? '', JSON.stringify(cur), String(cur));
    else parts.push(String(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join('\n');
}
