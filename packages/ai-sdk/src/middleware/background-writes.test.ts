import { describe, expect, it } from 'vitest';
import { BackgroundWrites } from './background-writes.ts';

describe('BackgroundWrites', () => {
  it('runs tasks of one key in order and of different keys concurrently; flush waits for all', async () => {
    const log: string[] = [];
    const writes = new BackgroundWrites({ onError: () => {} });
    const gate = Promise.withResolvers<void>();
    writes.submit('a', async () => {
      await gate.promise;
      log.push('a1');
    });
    writes.submit('a', async () => void log.push('a2'));
    writes.submit('b', async () => void log.push('b1'));
    expect(writes.size).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(log).toEqual(['b1']);
    gate.resolve();
    await writes.flush();
    expect(log).toEqual(['b1', 'a1', 'a2']);
    expect(writes.size).toBe(0);
  });

  it('hands failures to onError, keeps going, and never rejects flush', async () => {
    const errors: unknown[] = [];
    const writes = new BackgroundWrites({ onError: (error) => errors.push(error) });
    const boom = new Error('boom');
    let ran = false;
    writes.submit('a', async () => {
      throw boom;
    });
    writes.submit('a', async () => {
      ran = true;
    });
    await writes.flush();
    expect(errors).toEqual([boom]);
    expect(ran).toBe(true);
  });
});
