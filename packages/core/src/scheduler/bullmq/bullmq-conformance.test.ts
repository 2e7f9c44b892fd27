import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { describeJobQueueConformance } from '../../testing/job-queue-conformance.ts';
import { createBullMqJobQueue } from './create-bullmq-job-queue.ts';
import { loadBullmq } from './load-bullmq.ts';

const url = inject('redisUrl');

// BullMQ's job locks expire in Redis (server time), so the suite's per-queue clock does not apply; the dead-worker
// case is covered with a real killed process in create-bullmq-job-queue.test.ts.
describeJobQueueConformance({
  name: 'bullmq',
  supportsClock: false,
  create: async () => {
    const name = `conformance-${randomUUID()}`;
    return {
      queue: ({ now: _now, ...tuning }) => createBullMqJobQueue({ url, name, ...tuning }),
      destroy: async () => {
        const { Queue } = await loadBullmq();
        const raw = new Queue(name, { connection: { host: new URL(url).hostname, port: Number(new URL(url).port) }, prefix: 'memos' });
        await raw.obliterate({ force: true });
        await raw.close();
      },
    };
  },
});
