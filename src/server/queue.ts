/**
 * A bounded admission queue: at most `concurrency` jobs run, at most `capacity` wait. `tryRun` returns
 * undefined when the queue is full so the caller can answer 503 at once instead of piling up work.
 */
export class BoundedQueue {
  readonly #concurrency: number;
  readonly #capacity: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(concurrency: number, capacity: number) {
    this.#concurrency = Math.max(1, concurrency);
    this.#capacity = Math.max(0, capacity);
  }

  /** Jobs waiting plus running. */
  get depth(): number {
    return this.#running + this.#waiting.length;
  }

  get running(): number {
    return this.#running;
  }

  tryRun<T>(job: () => Promise<T>): Promise<T> | undefined {
    if (this.#running >= this.#concurrency && this.#waiting.length >= this.#capacity) return undefined;
    return this.#run(job);
  }

  async #run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running++;
    try {
      return await job();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}
