/**
 * Natural batching: statements that arrive while the database is busy go together in one.
 *
 * Under load most of a single-row statement's cost is per statement, not per row: the protocol
 * messages and the driver's work on both ends, executor start-up, and the commit's WAL flush.
 * A `Batcher` (as the rotations use it, with `stallMs`) keeps one batch at the database; whatever
 * queues meanwhile goes in the next batch as soon as it returns (group commit, in the application). No timer ever holds an item back:
 * alone, an item is sent at once as a batch of one, so latency at low load is the single
 * statement's. Measured for the refresh rotation (BENCHMARKS.md): one batch in flight beat two,
 * four and eight at 16 and 64 clients — fewer, larger statements cost less on both ends.
 *
 * One at a time must not mean one stuck statement stops everything (a row lock held by a long
 * transaction, a deadlock waiting for detection): once the batch out has taken `stallMs`, another
 * may go, up to `maxInFlight`.
 *
 * Items with the same key are never in flight together: a later one waits for the earlier batch
 * to answer. For rotations that keeps two refreshes of one session out of one statement (an
 * UPDATE joins each target row once) and out of two concurrent ones in this process.
 */

export interface BatcherOptions {
  /** Batches at the database at once at most (each holds one pooled connection). */
  maxInFlight: number;
  /**
   * A second (third…) batch goes only when every batch out has taken at least this long;
   * 0 sends whenever fewer than maxInFlight are out.
   */
  stallMs?: number;
  /** Items per batch at most (bounds the statement's size). */
  maxSize: number;
  /** Called with each batch's size as it is sent (metrics). */
  onBatch?: (size: number) => void;
  /** Called when a batch of several failed and its items are tried again one by one. */
  onSplit?: (error: unknown, size: number) => void;
  /** Whether a failed batch's items are tried again one by one (default: always); else all fail with its error. */
  splitOnFailure?: (error: unknown) => boolean;
}

interface Pending<In, Out> {
  item: In;
  key: string;
  resolve(value: Out): void;
  reject(error: unknown): void;
}

export class Batcher<In, Out> {
  #queue: Pending<In, Out>[] = [];
  readonly #busyKeys = new Set<string>();
  /** When each batch at the database was sent (performance.now()), oldest first. */
  readonly #sentAt: number[] = [];
  #stallTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param run answers a batch: one result per item, in the items' order.
   * @param keyOf items with equal keys are never in one batch, nor in two batches in flight.
   */
  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    private readonly keyOf: (item: In) => string,
    private readonly options: BatcherOptions,
  ) {
    if (!(options.maxInFlight >= 1 && options.maxSize >= 1)) throw new RangeError('a batcher needs maxInFlight ≥ 1 and maxSize ≥ 1');
  }

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#queue.push({ item, key: this.keyOf(item), resolve, reject });
      this.#pump();
    });
  }

  /** Items waiting for a batch, and batches at the database (for tests and debugging). */
  stats(): { queued: number; inFlight: number } {
    return { queued: this.#queue.length, inFlight: this.#sentAt.length };
  }

  #pump(): void {
    while (this.#queue.length > 0 && this.#mayStartBatch()) {
      const batch = this.#take();
      if (batch.length === 0) return; // everything queued waits on a key in flight
      void this.#send(batch);
    }
    this.#watchForStall();
  }

  #mayStartBatch(): boolean {
    const out = this.#sentAt.length;
    if (out === 0) return true;
    if (out >= this.options.maxInFlight) return false;
    // The newest batch out has been there stallMs: every batch out is stalled, another may go.
    return performance.now() - (this.#sentAt[out - 1] as number) >= (this.options.stallMs ?? 0);
  }

  /** While items wait behind batches that may stall, look again when the newest would count as stalled. */
  #watchForStall(): void {
    if (this.#stallTimer || this.#queue.length === 0) return;
    const out = this.#sentAt.length;
    if (out === 0 || out >= this.options.maxInFlight) return;
    const due = (this.#sentAt[out - 1] as number) + (this.options.stallMs ?? 0) - performance.now();
    this.#stallTimer = setTimeout(
      () => {
        this.#stallTimer = undefined;
        this.#pump();
      },
      Math.max(0, Math.ceil(due)),
    );
    // A pending look must not keep a finished process alive.
    this.#stallTimer.unref?.();
  }

  /** The oldest items whose keys are free, up to maxSize; the rest keep their order in the queue. */
  #take(): Pending<In, Out>[] {
    const batch: Pending<In, Out>[] = [];
    const rest: Pending<In, Out>[] = [];
    for (const pending of this.#queue) {
      if (batch.length < this.options.maxSize && !this.#busyKeys.has(pending.key)) {
        this.#busyKeys.add(pending.key);
        batch.push(pending);
      } else rest.push(pending);
    }
    this.#queue = rest;
    return batch;
  }

  async #send(batch: Pending<In, Out>[]): Promise<void> {
    const sentAt = performance.now();
    this.#sentAt.push(sentAt);
    this.options.onBatch?.(batch.length);
    try {
      const results = await this.#answer(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} got ${results.length} results`);
      batch.forEach((p, i) => p.resolve(results[i] as Out));
    } catch (error) {
      if (batch.length === 1 || this.options.splitOnFailure?.(error) === false) for (const p of batch) p.reject(error);
      // One item's failure must not fail its neighbours (a bad value, a deadlock with another
      // process): each is tried again alone, and only its own error reaches its caller.
      else {
        this.options.onSplit?.(error, batch.length);
        await Promise.all(
          batch.map(async (p) => {
            try {
              const [result] = await this.#answer([p.item]);
              p.resolve(result as Out);
            } catch (alone) {
              p.reject(alone);
            }
          }),
        );
      }
    } finally {
      for (const p of batch) this.#busyKeys.delete(p.key);
      this.#sentAt.splice(this.#sentAt.indexOf(sentAt), 1);
      if (this.#stallTimer) {
        clearTimeout(this.#stallTimer);
        this.#stallTimer = undefined;
      }
      this.#pump();
    }
  }

  // Wrapped so a `run` that throws synchronously rejects like one that returns a rejection.
  async #answer(items: In[]): Promise<Out[]> {
    return this.run(items);
  }
}
