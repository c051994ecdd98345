// A bandwidth limit (DESIGN.md §4: "throttled to the policy's bandwidth"): a token bucket in
// bytes per second. The clock and the sleep are injected so tests measure virtual time, never the
// wall clock; one Throttle may be shared by every transfer of one direction. setRate() applies at
// once, to transfers already running too: waits are cut into short steps that re-read the rate.
import { Transform, type TransformCallback } from 'node:stream';

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Chunks larger than this are cut so a limited stream flows steadily, not in one-second bursts. */
const SLICE_BYTES = 16 * 1024;
/** The longest single wait: a new rate is noticed within this. */
const MAX_WAIT_MS = 200;

export class Throttle {
  private tokens: number;
  private last: number;
  /** Callers queue here so one large transfer cannot starve the others, and order is kept. */
  private queue: Promise<void> = Promise.resolve();
  private rate: number;
  /** The most bytes that may go in one burst: one second's worth, at least one slice. */
  private burstBytes: number;

  constructor(bytesPerSecond: number, private readonly clock: Clock = realClock) {
    if (bytesPerSecond === 0) throw new RangeError('bytesPerSecond must be a positive number');
    this.rate = Throttle.checkRate(bytesPerSecond);
    this.burstBytes = Throttle.burstFor(this.rate);
    this.tokens = this.burstBytes;
    this.last = clock.now();
  }

  /**
   * A throttle that limits nothing yet: one that stays attached to the stores for the engine's life
   * while setRate() follows the settings (bandwidth rules by time of day, a limit set later).
   */
  static unlimited(clock: Clock = realClock): Throttle {
    const t = new Throttle(1, clock);
    t.setRate(0);
    return t;
  }

  private static checkRate(bytesPerSecond: number): number {
    if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) throw new RangeError('bytesPerSecond must be a positive number, or 0 for no limit');
    return bytesPerSecond;
  }

  private static burstFor(rate: number): number {
    return Math.max(SLICE_BYTES, Math.floor(rate));
  }

  /** Bytes per second; 0 means no limit. */
  get bytesPerSecond(): number {
    return this.rate;
  }

  get burst(): number {
    return this.burstBytes;
  }

  /** A new limit (0 = none), effective at once, also for transfers already waiting. */
  setRate(bytesPerSecond: number): void {
    this.refill();
    this.rate = Throttle.checkRate(bytesPerSecond);
    this.burstBytes = Throttle.burstFor(this.rate);
    this.tokens = Math.min(this.tokens, this.burstBytes);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
  }

  /** Resolves when `bytes` may be sent. Requests are served in order. */
  take(bytes: number): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(bytes));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(bytes: number): Promise<void> {
    let left = bytes;
    while (left > 0) {
      if (this.rate === 0) return; // no limit (any more)
      const want = Math.min(left, this.burstBytes);
      this.refill();
      if (this.tokens < want) {
        await this.clock.sleep(Math.min(MAX_WAIT_MS, Math.ceil(((want - this.tokens) * 1000) / this.rate)));
        this.refill();
        if (this.tokens < want * 0.999) continue; // not yet (or the rate changed): look again
      }
      // Rounding in sleep may leave a hair short: spend what is there and go into debt by the rest,
      // which the next refill pays back; the long-run rate is exact either way.
      this.tokens -= want;
      left -= want;
    }
  }

  /** A pass-through stream that lets bytes through at this rate. */
  transform(): Transform {
    return new ThrottleStream(this);
  }
}

class ThrottleStream extends Transform {
  constructor(private readonly throttle: Throttle) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pass(chunk).then(() => cb(), cb);
  }

  private async pass(chunk: Buffer): Promise<void> {
    for (let i = 0; i < chunk.length; i += SLICE_BYTES) {
      const slice = chunk.subarray(i, i + SLICE_BYTES);
      await this.throttle.take(slice.length);
      this.push(slice);
    }
  }
}

/** A throttle, or nothing when the limit is 0 / absent (unlimited). */
export function throttleFor(bytesPerSecond: number | undefined, clock?: Clock): Throttle | undefined {
  return bytesPerSecond !== undefined && bytesPerSecond > 0 ? new Throttle(bytesPerSecond, clock) : undefined;
}
