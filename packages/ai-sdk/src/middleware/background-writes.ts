/**
 * Runs fire-and-forget tasks (turn writes) off the response path: tasks with the same key run
 * one after another in submission order (turns of a session are written in order), tasks with
 * different keys run concurrently. A failing task is handed to `onError` and never becomes an
 * unhandled rejection; {@link BackgroundWrites.flush} waits for everything submitted so far.
 */
export class BackgroundWrites {
  readonly #onError: (error: unknown) => void;
  readonly #pending = new Set<Promise<void>>();
  readonly #tails = new Map<string, Promise<void>>();

  constructor(options: { onError: (error: unknown) => void }) {
    this.#onError = options.onError;
  }

  /** Number of tasks submitted and not finished yet. */
  get size(): number {
    return this.#pending.size;
  }

  /** Submits a task; it starts after the previous task with the same key settles. */
  submit(key: string, task: () => Promise<void>): void {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const run: Promise<void> = previous.then(task).catch((error: unknown) => {
      try {
        this.#onError(error);
      } catch (handlerError) {
        // A throwing handler must not become an unhandled rejection: report both errors.
        console.error('@memos-js/ai-sdk: onError threw while handling a background write failure', handlerError, error);
      }
    });
    this.#tails.set(key, run);
    this.#pending.add(run);
    void run.finally(() => {
      this.#pending.delete(run);
      if (this.#tails.get(key) === run) this.#tails.delete(key);
    });
  }

  /** Resolves once every task submitted before or during the wait has settled (never rejects). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
