/** A counting semaphore: run(fn) waits for one of `n` slots. */
export class Limit {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly n: number) {}

  get waiting(): number {
    return this.queue.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

/** Resolves once fewer than `max` tasks wait in `limit`: lets a producer stay a bounded distance ahead. */
export async function belowQueue(limit: Limit, max: number): Promise<void> {
  while (limit.waiting >= max) await new Promise((r) => setTimeout(r, 2));
}
