import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createMemOS, type MemOS } from '../../mos.ts';
import type { EnqueueTurnWriteInput as TurnWrite } from '../mem-scheduler.ts';
import { createBullMqJobQueue } from './create-bullmq-job-queue.ts';

const redisUrl = inject('redisUrl');
const dirs: string[] = [];
const opened: MemOS[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((m) => m.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** One app instance: a MemOS on the shared SQLite file whose scheduler queue is the shared Redis queue. */
async function instance(dbPath: string, queueName: string): Promise<MemOS> {
  const mos = createMemOS({
    storage: { kind: 'sqlite', path: dbPath, synchronous: 'normal' },
    audit: { reads: false },
    scheduler: { queue: createBullMqJobQueue({ url: redisUrl, name: queueName, pollMs: 10, backoffMs: 20, jitter: 0 }) },
  });
  opened.push(mos);
  await mos.setup();
  return mos;
}

describe('BullMQ queue as the MemScheduler queue (real Redis)', () => {
  it('turn writes and prefetches from two app instances share one Redis queue; flush gives read-your-writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memos-bullmq-sched-'));
    dirs.push(dir);
    const db = join(dir, 'memos.db');
    const queueName = `mos-${randomUUID()}`;
    const a = await instance(db, queueName);
    await a.createUser({ id: 'alice', name: 'Alice' });
    await a.createCube({ userId: 'alice', id: 'ca', name: 'A' });
    const b = await instance(db, queueName);

    for (let i = 0; i < 10; i += 1) {
      await (i % 2 ? a : b).scheduler.enqueue({ kind: 'turn-write', userId: 'alice', sessionId: 's1', add: { cubeId: 'ca', text: `Alice note number ${i} about beekeeping` } as TurnWrite['add'] });
    }
    await a.scheduler.flush({ sessionId: 's1' });
    const all = await a.getAll({ userId: 'alice', cubeIds: ['ca'], limit: 100 });
    expect(all.items.map((item) => item.text).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `Alice note number ${i} about beekeeping`).sort());

    await a.scheduler.afterTurn({ userId: 'alice', sessionId: 's1', query: 'tell me about beekeeping', answer: 'You keep bees.' });
    await a.scheduler.flush({ sessionId: 's1' });
    const status = await a.scheduler.status();
    expect(status.queue).toMatchObject({ backend: 'bullmq', queued: 0, running: 0, failed: 0 });
    expect(status.queue.done).toBeGreaterThanOrEqual(11);
  });
});
