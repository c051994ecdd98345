// Hostile input to every parser (issue 10): a seeded, coverage-guided mutator (fuzz/) feeds each
// parser of untrusted bytes thousands of inputs derived from valid ones. Each must come back with a
// value or the parser's own typed error: no other exception, no hang, no allocation out of
// proportion to its input. The fuzzer runs in a child process: its memory is measured on its own,
// and a parser that never returns is caught by a watchdog (no output for a minute) rather than
// hanging the suite.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import type { TargetReport } from './fuzz/runner.js';
import { scenarioRng, sized } from './helpers/scale.js';
import { ScenarioTally } from './helpers/summary.js';

const RUNNER = fileURLToPath(new URL('./fuzz/runner.ts', import.meta.url));
const CASES = sized(1500, 40_000);
/** A parser may use this much more buffer memory than the input it parses, at most. */
const MAX_BUFFER_GROWTH = 64 * 1024 * 1024;
/** The whole fuzzer process, seeds, corpus and V8 included. */
const MAX_RSS = 768 * 1024 * 1024;
const SILENCE_MS = 60_000;

describe('hostile input to every parser', () => {
  const rng = scenarioRng('fuzz');
  const tally = new ScenarioTally('fuzz-parsers', 'mutated inputs', rng.seed);

  it(`${CASES} mutated inputs per parser: typed errors only, no hang, bounded memory`, { timeout: sized(10, 180) * 60_000 }, async () => {
    // A capped heap: V8 otherwise lets garbage pile up to gigabytes over a long run (1.46 GB peak at
    // 40,000 inputs per parser, 238 MB for the same inputs with the cap), which hid what the parsers
    // keep; with the cap, memory that parsers really retain ends the run (out of memory) and fails it.
    const args = ['--max-old-space-size=512', '--import', 'tsx', RUNNER, '--seed', String(rng.seed), '--cases', String(CASES), '--template', inject('repoTemplate').repo];
    if (process.env.HAVRE_FUZZ_ONLY) args.push('--only', process.env.HAVRE_FUZZ_ONLY);
    const done = await new Promise<{ targets: TargetReport[]; maxRssBytes: number }>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let buf = '';
      let last = 'start';
      let result: { targets: TargetReport[]; maxRssBytes: number } | null = null;
      let watchdog = setTimeout(hang, SILENCE_MS);
      function hang(): void {
        child.kill('SIGKILL');
        reject(new Error(`the fuzzer made no progress for ${SILENCE_MS / 1000} s after ${last}: a parser hangs (replay with HAVRE_RELIABILITY_SEED=${rng.seed})`));
      }
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          clearTimeout(watchdog);
          watchdog = setTimeout(hang, SILENCE_MS);
          const msg = JSON.parse(line) as { progress?: string; case?: number; done?: typeof result };
          if (msg.progress) last = `${msg.progress} #${msg.case}`;
          if (msg.done) result = msg.done;
        }
      });
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(watchdog);
        if (result) resolve(result);
        else reject(new Error(`the fuzzer exited (${code}) after ${last} without results`));
      });
    });

    for (const t of done.targets) {
      tally.count(undefined, t.cases);
      tally.note(`${t.name}: accepted`, t.accepted);
      tally.note(`${t.name}: refused`, t.refused);
      tally.note(`${t.name}: blocks covered`, t.coveredBlocks);
      tally.note(`${t.name}: RSS after (MiB)`, Math.round(t.rssAfter / 2 ** 20));
      tally.note(`${t.name}: peak RSS so far (MiB)`, Math.round(t.peakRssSoFar / 2 ** 20));
    }
    tally.write({ targets: done.targets.length, maxRssMiB: Math.round(done.maxRssBytes / 2 ** 20) });
    const findings = done.targets.filter((t) => t.findings > 0).map((t) => ({ target: t.name, findings: t.findings, examples: t.examples }));
    expect(findings, `replay with HAVRE_RELIABILITY_SEED=${rng.seed}`).toEqual([]);
    for (const t of done.targets) expect(t.maxBufferGrowth, t.name).toBeLessThan(MAX_BUFFER_GROWTH);
    expect(done.maxRssBytes).toBeLessThan(MAX_RSS);
  });
});
