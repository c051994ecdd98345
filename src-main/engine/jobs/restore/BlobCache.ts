/** Recently read plaintext blobs, bounded in bytes: deduplicated content is read once. */
export class BlobCache {
  private readonly map = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  get(id: string): Buffer | undefined {
    const b = this.map.get(id);
    if (b) {
      this.map.delete(id);
      this.map.set(id, b); // most recent last
    }
    return b;
  }

  set(id: string, b: Buffer): void {
    if (b.length > this.maxBytes / 4 || this.map.has(id)) return;
    this.map.set(id, b);
    this.bytes += b.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.length;
    }
  }
}
