/**
 * A counting semaphore: run(fn) waits for one of `n` slots. Waiters are served first in, first out,
 * or with `lifo` newest first: a walk that queues subfolders then goes depth first, so what waits
 * stays near the depth of the tree instead of growing to its width.
 */
export class Limit {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  /** Producers waiting for the queue to shrink (`fewerWaiting`), with the length they wait for. */
  private readonly roomWaiters: { max: number; wake: () => void }[] = [];

  constructor(private readonly n: number, private readonly order: 'fifo' | 'lifo' = 'fifo') {}

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
      const next = this.order === 'lifo' ? this.queue.pop() : this.queue.shift();
      if (next) {
        next();
        this.wakeRoomWaiters();
      }
    }
  }

  /** Resolves once fewer than `max` tasks wait: lets a producer stay a bounded distance ahead. */
  fewerWaiting(max: number): Promise<void> {
    if (this.queue.length < max) return Promise.resolve();
    return new Promise((wake) => this.roomWaiters.push({ max, wake }));
  }

  private wakeRoomWaiters(): void {
    // Wake producers in arrival order, as many as the queue has room for (each will queue one task).
    let woken = 0;
    while (this.roomWaiters.length > 0 && this.queue.length + woken < this.roomWaiters[0]!.max) {
      this.roomWaiters.shift()!.wake();
      woken++;
    }
  }
}
