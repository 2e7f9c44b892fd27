import type { Logger } from '../spec/index.ts';

/** Options of {@link VectorRetry}. */
export interface VectorRetryOptions {
  /** Delay before the first retry (default 1,000 ms). */
  initialDelayMs?: number;
  /** Longest delay between retries (default 60,000 ms). */
  maxDelayMs?: number;
  logger: Logger;
  /** Repairs one cube; resolves true when its vectors are in sync. */
  repair: (cubeId: string) => Promise<boolean>;
}

/**
 * Background retry of failed vector writes: cubes are repaired after a delay that doubles while
 * the vector store keeps failing, and forgotten once in sync. The timer never keeps the process
 * alive; `stop()` cancels it and waits for a running repair.
 */
export class VectorRetry {
  readonly #options: Required<Omit<VectorRetryOptions, 'logger' | 'repair'>> & VectorRetryOptions;
  readonly #cubes = new Set<string>();
  #delay: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: VectorRetryOptions) {
    this.#options = { initialDelayMs: 1_000, maxDelayMs: 60_000, ...options };
    this.#delay = this.#options.initialDelayMs;
  }

  /** Cubes waiting for a retry. */
  get pending(): number {
    return this.#cubes.size;
  }

  /** Queues cubes for a retry. */
  schedule(cubeIds: string[]): void {
    if (this.#stopped) return;
    for (const id of cubeIds) this.#cubes.add(id);
    this.#arm();
  }

  /** Cancels future retries and waits for a running one. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #arm(): void {
    if (this.#timer || this.#running || this.#stopped || this.#cubes.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#run().finally(() => {
        this.#running = undefined;
        this.#arm();
      });
    }, this.#delay);
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    let failed = false;
    for (const cubeId of [...this.#cubes]) {
      if (this.#stopped) return;
      try {
        if (await this.#options.repair(cubeId)) this.#cubes.delete(cubeId);
        else failed = true;
      } catch (error) {
        failed = true;
        this.#options.logger.warn('vector retry failed; will try again', { cubeId, error: String(error) });
      }
    }
    this.#delay = failed ? Math.min(this.#delay * 2, this.#options.maxDelayMs) : this.#options.initialDelayMs;
  }
}
