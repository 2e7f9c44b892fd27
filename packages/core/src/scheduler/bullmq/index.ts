/**
 * `@memos-js/core/bullmq`: the MemScheduler's job queue over BullMQ and Redis, for deployments with several
 * app instances. Needs the optional peer dependency `bullmq` (`npm install bullmq`) and Redis >= 6.2.
 */
export { createBullMqJobQueue, type BullMqJobQueueOptions } from './create-bullmq-job-queue.ts';
export { loadBullmq, type BullmqModule } from './load-bullmq.ts';
export { QueueFullError } from '../../errors/queue-full-error.ts';
