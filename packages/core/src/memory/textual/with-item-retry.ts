import { ConflictError } from '../../errors/conflict-error.ts';

/** How the MOS retries a change that lost an optimistic-concurrency race (another writer, maybe another process). */
export interface ConflictRetryOptions {
  /** Most attempts in all, the first one included (default 5). */
  attempts?: number;
  /** Backoff before retry k (1-based) is `baseDelayMs * 2^(k-1)`, jittered by 0.5x..1.5x (default 5 ms). */
  baseDelayMs?: number;
  /** Told of each conflict that is retried (e.g. to count them). */
  onRetry?: (info: { attempt: number; id: string; expectedVersion: number | undefined; actualVersion: number | undefined }) => void;
}

/** Options of {@link withItemRetry}. */
export interface WithItemRetryOptions<T> extends ConflictRetryOptions {
  /**
   * One attempt: re-reads the item (with its access check) and re-applies the change, writing with
   * `expectedVersion` set to the version it read. Called again after a `version-mismatch` conflict.
   */
  run: () => Promise<T>;
  /** Random source of the jitter (default `Math.random`). */
  random?: () => number;
}

/** Default number of attempts of {@link withItemRetry}. */
export const DEFAULT_CONFLICT_ATTEMPTS = 5;

/**
 * Runs `run` until it does not fail with a `ConflictError` of reason `version-mismatch` (an
 * optimistic-concurrency check lost to a concurrent writer), at most `attempts` times with a short
 * jittered exponential backoff, then rethrows the last conflict. Every other error (including
 * conflicts of state, such as "already deleted", found on the re-read) is thrown at once.
 */
export async function withItemRetry<T>(options: WithItemRetryOptions<T>): Promise<T> {
  const attempts = Math.max(1, Math.trunc(options.attempts ?? DEFAULT_CONFLICT_ATTEMPTS));
  const baseDelayMs = Math.max(0, options.baseDelayMs ?? 5);
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await options.run();
    } catch (error) {
      if (attempt >= attempts || !ConflictError.isConflict(error, 'version-mismatch')) throw error;
      options.onRetry?.({ attempt, id: error.id, expectedVersion: error.expectedVersion, actualVersion: error.actualVersion });
      const delay = baseDelayMs * 2 ** (attempt - 1) * (0.5 + random());
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
