// How big the reliability scenarios run. `npm test` (CI) runs them at a size that fits its budget;
// HAVRE_RELIABILITY_SCALE=large runs every scenario with many more cases (by hand, docs/RELIABILITY.md).
// The seed of each scenario is HAVRE_RELIABILITY_SEED when set (to replay a failure), otherwise
// drawn at random; it is always printed, with the scenario's name.
import { randomInt } from 'node:crypto';
import { Rng } from './random.js';

export type Scale = 'ci' | 'large';

export const SCALE: Scale = process.env.HAVRE_RELIABILITY_SCALE === 'large' ? 'large' : 'ci';

/** The CI figure, or the large one. */
export function sized<T>(ci: T, large: T): T {
  return SCALE === 'large' ? large : ci;
}

/** The scenario's generator; prints `[reliability] <scenario> seed=<n> scale=<s>`. */
export function scenarioRng(scenario: string): Rng {
  const fixed = process.env.HAVRE_RELIABILITY_SEED;
  const seed = fixed !== undefined && /^\d+$/.test(fixed) ? Number(fixed) >>> 0 : randomInt(2 ** 31);
  console.log(`[reliability] ${scenario} seed=${seed} scale=${SCALE} (replay: HAVRE_RELIABILITY_SEED=${seed}${SCALE === 'large' ? ' HAVRE_RELIABILITY_SCALE=large' : ''})`);
  return new Rng(seed);
}
