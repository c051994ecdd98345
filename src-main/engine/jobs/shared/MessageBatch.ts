/**
 * Gathers the messages posted to one thread during a turn of the event loop and sends them as one
 * array, in order. A postMessage costs about 20 µs of CPU on each side (clone, wake-up, dispatch):
 * with three messages per small file it was a tenth of a backup's main thread on many small files.
 */
export class MessageBatch<T> {
  private msgs: T[] = [];
  private transfer: ArrayBuffer[] = [];
  private scheduled = false;

  constructor(private readonly sendAll: (msgs: T[], transfer: ArrayBuffer[]) => void) {}

  /** Queues `msg` (and the buffers it hands over) for the end of this turn. */
  push(msg: T, transfer: readonly ArrayBuffer[] = []): void {
    this.msgs.push(msg);
    for (const b of transfer) this.transfer.push(b);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends what is queued now. */
  flush(): void {
    this.scheduled = false;
    if (this.msgs.length === 0) return;
    const msgs = this.msgs;
    const transfer = this.transfer;
    this.msgs = [];
    this.transfer = [];
    this.sendAll(msgs, transfer);
  }
}
