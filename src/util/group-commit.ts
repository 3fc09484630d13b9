// Group commit: items pushed while batches are being written go together in a later batch, so one
// transaction (one commit, fewer round trips) serves every event that arrived meanwhile. An idle
// system writes each item at once; a busy one writes bigger batches instead of queueing commits.
export class GroupCommit<I, O> {
  private waiting: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private active = 0;

  constructor(
    /** Writes a batch; returns one result per item, in order. */
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly opts: { maxBatch: number; concurrency: number } = { maxBatch: 500, concurrency: 1 },
  ) {}

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < this.opts.concurrency && this.waiting.length) {
      this.active++;
      void this.run(this.waiting.splice(0, this.opts.maxBatch)).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async run(batch: typeof this.waiting): Promise<void> {
    try {
      const out = await this.write(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(out[i]!));
    } catch (e) {
      // One bad item must not fail the others: write them one by one to find it.
      if (batch.length === 1) batch[0]!.reject(e);
      else for (const b of batch) await this.write([b.item]).then((out) => b.resolve(out[0]!), b.reject);
    }
  }
}
