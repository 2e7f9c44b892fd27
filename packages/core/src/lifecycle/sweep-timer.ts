import { ValidationError } from '../errors/validation-error.ts';
import type { Logger } from '../spec/index.ts';

/** Options of {@link SweepTimer}. */
export interface SweepTimerOptions {
  /** Milliseconds between sweeps (>= 10). */
  intervalMs: number;
  /** One sweep. */
  sweep: () => Promise<unknown>;
  logger: Logger;
}

/** Checks `lifecycle.sweepIntervalMs` (an integer >= 10); throws `ValidationError`. */
export function validateSweepInterval(intervalMs: unknown): asserts intervalMs is number {
  if (typeof intervalMs !== 'number' || !Number.isSafeInteger(intervalMs) || intervalMs < 10) {
    throw new ValidationError('lifecycle.sweepIntervalMs', 'must be an integer >= 10');
  }
}

/**
 * Runs the lifecycle sweep every `intervalMs` in the background: the timer is `unref`'d (it never
 * keeps the process alive), a sweep still running when the next tick comes is not doubled, and a
 * failing sweep is logged and tried again at the next tick. `stop()` clears the timer and waits for
 * a sweep in flight.
 */
export class SweepTimer {
  readonly #options: SweepTimerOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;

  constructor(options: SweepTimerOptions) {
    validateSweepInterval(options.intervalMs);
    this.#options = options;
  }

  /** Starts the timer (idempotent). */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
    this.#timer.unref?.();
  }

  /** Stops the timer and waits for a sweep in flight. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #tick(): void {
    if (this.#running !== undefined) return;
    this.#running = this.#options
      .sweep()
      .then(
        () => undefined,
        (error: unknown) => this.#options.logger.warn('lifecycle sweep failed; retried at the next interval', { error: String(error) }),
      )
      .finally(() => {
        this.#running = undefined;
      });
  }
}
