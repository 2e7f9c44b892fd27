import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../errors/conflict-error.ts';
import { StorageError } from '../../errors/storage-error.ts';
import { withItemRetry } from './with-item-retry.ts';

const mismatch = (actual: number) => new ConflictError('memory', 'm1', 'stale', { reason: 'version-mismatch', expectedVersion: 1, actualVersion: actual });

describe('withItemRetry', () => {
  it('re-runs the attempt after a version-mismatch conflict and returns the first success', async () => {
    let calls = 0;
    const retries: unknown[] = [];
    const result = await withItemRetry({
      baseDelayMs: 0,
      onRetry: (info) => retries.push(info),
      run: async () => {
        calls += 1;
        if (calls < 3) throw mismatch(calls + 1);
        return 'done';
      },
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(retries).toStrictEqual([
      { attempt: 1, id: 'm1', expectedVersion: 1, actualVersion: 2 },
      { attempt: 2, id: 'm1', expectedVersion: 1, actualVersion: 3 },
    ]);
  });

  it('gives up after `attempts` and rethrows the last conflict', async () => {
    let calls = 0;
    const error = await withItemRetry({ attempts: 4, baseDelayMs: 0, run: async () => { calls += 1; throw mismatch(calls); } }).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(ConflictError.isConflict(error, 'version-mismatch')).toBe(true);
    expect((error as ConflictError).actualVersion).toBe(4);
  });

  it('does not retry other errors, nor conflicts of state or duplicates', async () => {
    for (const thrown of [
      new ConflictError('memory', 'm1', 'already deleted'),
      new ConflictError('version', 'm1@2', 'duplicate', { reason: 'duplicate' }),
      new StorageError('sqlite', 'write', 'busy', { isRetryable: true }),
      new Error('boom'),
    ]) {
      let calls = 0;
      const error = await withItemRetry({ baseDelayMs: 0, run: async () => { calls += 1; throw thrown; } }).catch((e: unknown) => e);
      expect(error).toBe(thrown);
      expect(calls).toBe(1);
    }
  });

  it('backs off exponentially with jitter', async () => {
    const started = Date.now();
    let calls = 0;
    await withItemRetry({ attempts: 3, baseDelayMs: 20, random: () => 0.5, run: async () => { calls += 1; if (calls < 3) throw mismatch(2); } });
    // 20 ms, then 40 ms (jitter factor 1 with random 0.5).
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });
});
