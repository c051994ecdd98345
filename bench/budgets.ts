// A measured figure beside its DESIGN.md §7 budget: "**met**" or "**not met**" with the distance
// left, so a reader sees how far from the budget each figure is, not just which side.

/** `fmt` prints one value in the budget's unit (e.g. "173 MB", "12.4 ms"). */
export function atMost(value: number | undefined, budget: number, fmt: (v: number) => string): string {
  if (value === undefined || !Number.isFinite(value)) return 'not measured';
  if (value <= budget) return `**met**: ${fmt(value)} (budget ${fmt(budget)}, ${pct(budget - value, budget)} to spare)`;
  return `**not met**: ${fmt(value)}, ${fmt(value - budget)} (${pct(value - budget, budget)}) over the budget of ${fmt(budget)}`;
}

/** A ratio that must reach `budget` (e.g. 1.5× restic's throughput). */
export function atLeast(value: number | undefined, budget: number, fmt: (v: number) => string): string {
  if (value === undefined || !Number.isFinite(value)) return 'not measured';
  if (value >= budget) return `**met**: ${fmt(value)} (budget ${fmt(budget)})`;
  return `**not met**: ${fmt(value)}, ${pct(budget - value, budget)} short of ${fmt(budget)}`;
}

function pct(part: number, whole: number): string {
  return `${((part / whole) * 100).toFixed(0)} %`;
}

/** DESIGN.md's "MB": 10^6 bytes (the report's RSS columns are in MiB). */
export const fmtMB = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
export const fmtMsShort = (ms: number): string => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
export const fmtRatio = (r: number): string => `${r.toFixed(2)}×`;
