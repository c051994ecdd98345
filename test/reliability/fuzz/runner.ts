// The fuzzer, run as a child process of fuzz.test.ts (`node --import tsx runner.ts ...`), so that
// its memory is its own to measure and a hang can be cut short from outside. For each target: take
// an input from the corpus (the seeds, then every input that reached new code), mutate it, parse it,
// and note anything but the target's own error. Coverage guides it: every batch of inputs, V8's
// precise block coverage of the engine's and the appliance's code is read, and a batch that
// reached new blocks joins the corpus (AFL's idea, at batch grain so it stays cheap).
//
// Prints one line per progress step ({"progress": ...}), then one line of results ({"done": ...}).
import { randomBytes } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { newKeyAndCsr } from '../../appliance/helpers/identity.js';
import { Rng } from '../helpers/random.js';
import { mutateBytes, mutateJson } from './mutator.js';
import { fuzzTargets, keysRecordFrom, type FuzzTarget } from './targets.js';

const { values } = parseArgs({ options: { seed: { type: 'string' }, cases: { type: 'string' }, template: { type: 'string' }, only: { type: 'string' } } });
const seed = Number(values.seed);
const casesPerTarget = Number(values.cases);
const BATCH = 64;
const CORPUS_MAX = 256;
/** Mutants are cut to this size: stacked duplications would otherwise grow them generation after generation. */
const MAX_INPUT = 512 * 1024;
const FINDINGS_KEPT = 5;

export interface Finding {
  readonly case: number;
  readonly error: string;
  /** The input, base64 (cut at 4 KiB). */
  readonly input: string;
}

export interface TargetReport {
  readonly name: string;
  readonly cases: number;
  /** Inputs the parser accepted. */
  readonly accepted: number;
  /** Inputs refused with the target's own error. */
  readonly refused: number;
  readonly findings: number;
  readonly examples: Finding[];
  readonly corpus: number;
  readonly coveredBlocks: number;
  /** The largest growth of ArrayBuffer memory across one parse (bytes). */
  readonly maxBufferGrowth: number;
  /** The process's resident memory once the target is done (bytes). */
  readonly rssAfter: number;
  /** The process's peak RSS when this target ended: where it jumps, this target pushed it. */
  readonly peakRssSoFar: number;
}

function say(o: unknown): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

/** Blocks of the engine's and the appliance's code run since the last call (V8 precise coverage). */
async function coveredSince(session: Session, seen: Set<string>): Promise<number> {
  const { result } = await session.post('Profiler.takePreciseCoverage');
  let fresh = 0;
  for (const script of result) {
    if (!/\/(src-main|appliance)\//.test(script.url) || script.url.includes('node_modules')) continue;
    for (const fn of script.functions) {
      for (const range of fn.ranges) {
        if (range.count === 0) continue;
        const key = `${script.url}:${range.startOffset}:${range.endOffset}`;
        if (!seen.has(key)) {
          seen.add(key);
          fresh++;
        }
      }
    }
  }
  return fresh;
}

async function fuzz(target: FuzzTarget, rng: Rng, session: Session): Promise<TargetReport> {
  const corpus = [...target.seeds];
  const seen = new Set<string>();
  await coveredSince(session, new Set()); // reset the counters
  let accepted = 0;
  let refused = 0;
  let findings = 0;
  const examples: Finding[] = [];
  let maxBufferGrowth = 0;
  let batch: Buffer[] = [];
  for (let i = 0; i < casesPerTarget; i++) {
    const parent = rng.pick(corpus);
    const other = rng.pick(corpus);
    const mutant = target.shape === 'json' && rng.chance(0.7) ? mutateJson(rng, parent, other) : mutateBytes(rng, parent, other);
    const input = mutant.length > MAX_INPUT ? mutant.subarray(0, MAX_INPUT) : mutant;
    const before = process.memoryUsage().arrayBuffers;
    try {
      await target.run(input);
      accepted++;
    } catch (e) {
      if (target.allowed(e)) refused++;
      else {
        findings++;
        if (examples.length < FINDINGS_KEPT) {
          const error = e instanceof Error ? `${e.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}` : String(e);
          examples.push({ case: i, error, input: input.subarray(0, 4096).toString('base64') });
        }
      }
    }
    maxBufferGrowth = Math.max(maxBufferGrowth, process.memoryUsage().arrayBuffers - before);
    batch.push(input);
    if (batch.length === BATCH) {
      if ((await coveredSince(session, seen)) > 0 && corpus.length < CORPUS_MAX) corpus.push(...batch.slice(0, CORPUS_MAX - corpus.length));
      batch = [];
    }
    if (i % 500 === 0) say({ progress: target.name, case: i });
  }
  return { name: target.name, cases: casesPerTarget, accepted, refused, findings, examples, corpus: corpus.length, coveredBlocks: seen.size, maxBufferGrowth,
    rssAfter: process.memoryUsage.rss(), peakRssSoFar: process.resourceUsage().maxRSS * 1024 };
}

async function main(): Promise<void> {
  const rng = new Rng(seed);
  const { csrPem } = await newKeyAndCsr();
  const targets = fuzzTargets({
    rng: rng.fork('seeds'), encKey: randomBytes(32), idKey: randomBytes(32), configKey: randomBytes(32),
    keysRecordText: keysRecordFrom(values.template!), csrPem,
  }).filter((t) => !values.only || t.name.includes(values.only));
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  const reports: TargetReport[] = [];
  for (const t of targets) reports.push(await fuzz(t, rng.fork(t.name), session));
  say({ done: { targets: reports, maxRssBytes: process.resourceUsage().maxRSS * 1024 } });
}

await main();
