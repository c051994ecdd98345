// Each reliability scenario writes what it ran to test-results/reliability/<id>.json;
// scripts/reliability-table.js turns those files into the "cases run" column of docs/RELIABILITY.md,
// so the figures there come from one run of the suite.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCALE } from './scale.js';

const OUT = fileURLToPath(new URL('../../../test-results/reliability/', import.meta.url));

export interface ScenarioRecord {
  /** Stable id, the key of the scenario's row in docs/RELIABILITY.md. */
  readonly id: string;
  /** How many cases ran, and what one case is ("kill points", "mutated inputs"...). */
  readonly cases: number;
  readonly unit: string;
  readonly seed: number;
  /** Anything worth keeping beside the count: cases per kind, faults injected, outcomes. */
  readonly details?: Record<string, unknown>;
}

export class ScenarioTally {
  private readonly started = Date.now();
  cases = 0;
  readonly details: Record<string, number> = {};

  constructor(private readonly id: string, private readonly unit: string, private readonly seed: number) {}

  /** Counts one case (and one under `kind`, when given). */
  count(kind?: string, n = 1): void {
    this.cases += n;
    if (kind) this.note(kind, n);
  }

  /** Counts something about the cases without counting a case. */
  note(kind: string, n = 1): void {
    this.details[kind] = (this.details[kind] ?? 0) + n;
  }

  write(extra: Record<string, unknown> = {}): void {
    const rec: ScenarioRecord & { scale: string; durationMs: number } = {
      id: this.id, cases: this.cases, unit: this.unit, seed: this.seed, scale: SCALE, durationMs: Date.now() - this.started,
      details: { ...this.details, ...extra },
    };
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, `${this.id}.json`), JSON.stringify(rec, null, 2) + '\n');
  }
}
