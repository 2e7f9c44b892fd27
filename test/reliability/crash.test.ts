/**
 * Crash: a child process adding batches to a SQLite file is SIGKILLed in the middle of the loop
 * (several times, at different points, on the same file); after each restart every acknowledged
 * item is present and complete (text, version record, searchable) and no partial item is visible.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { crashRun } from './support/crash-run.ts';
import { openReliabilityStore, type ReliabilityStore } from './support/reliability-store.ts';

const stores: ReliabilityStore[] = [];
afterAll(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

describe('crash in the middle of a batch of adds (SQLite file)', () => {
  it('every acknowledged item survives a SIGKILL complete, and no partial write is visible', async () => {
    const store = openReliabilityStore({ backend: 'sqlite', sqlite: 'file', label: 'crash' });
    stores.push(store);
    if (store.storage.kind !== 'sqlite') throw new Error('unreachable');
    const storage = store.storage;
    let acknowledged = 0;
    for (const [killAfter, killDelayMs] of [[3, 0], [12, 3], [25, 7]] as const) {
      const report = await crashRun({ storage, killAfter, killDelayMs, batchSize: 20 });
      expect(report.killed, 'the writer finished before it was killed').toBe(true);
      expect(report.acknowledgedBatches).toBeGreaterThanOrEqual(killAfter);
      expect(report.lost, `${report.lost.length} acknowledged items lost or incomplete`).toEqual([]);
      expect(report.partial, 'partial writes visible after the restart').toEqual([]);
      acknowledged += report.acknowledgedItems;
      expect(report.itemsAfter).toBeGreaterThanOrEqual(acknowledged);
    }
  }, 120_000);
});
