import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.ts';
import { silentLogger } from '../mos/silent-logger.ts';
import { SweepTimer } from './sweep-timer.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SweepTimer', () => {
  it('never overlaps sweeps, survives a failing sweep (logged), and stop() waits for the sweep in flight', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const warnings: string[] = [];
    const timer = new SweepTimer({
      intervalMs: 10,
      logger: { ...silentLogger, warn: (message) => warnings.push(message) },
      sweep: async () => {
        running += 1;
        runs += 1;
        maxRunning = Math.max(maxRunning, running);
        await sleep(35);
        running -= 1;
        if (runs === 1) throw new Error('boom');
      },
    });
    timer.start();
    timer.start();
    await sleep(200);
    await timer.stop();
    expect(running).toBe(0);
    expect(maxRunning).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(warnings.length).toBe(1);
    const after = runs;
    await sleep(50);
    expect(runs).toBe(after);
  });

  it('rejects intervals below 10 ms or not integers', () => {
    for (const intervalMs of [0, 5, 10.5, Number.NaN, -1]) {
      expect(() => new SweepTimer({ intervalMs, logger: silentLogger, sweep: async () => undefined })).toThrow(ValidationError);
    }
  });
});
