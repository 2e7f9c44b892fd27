/**
 * Child process of sqlite-job-queue-process.test.ts (run with `node --conditions=memos-source`):
 * `enqueue <db>`: leaves one job running forever, then enqueues `work` jobs, printing `ack <id>`
 * after each acknowledged enqueue, until killed.
 * `work <db> <log>`: runs jobs, appending `<id>` to the log for each run, and exits when none is left.
 */
import { ValidationError } from '../../errors/validation-error.ts';
import { appendFileSync } from 'node:fs';
import { SqliteConnection } from './sqlite-connection.ts';
import { createSqliteJobQueue } from './sqlite-job-queue.ts';

const [mode, path, log] = process.argv.slice(2);
if (path === undefined) throw new ValidationError('argv', 'usage: enqueue|work <db> [log]');
const connection = new SqliteConnection({ path, busyTimeoutMs: 10_000 });

if (mode === 'enqueue') {
  // concurrency 1: the hanging job holds the only slot, so the work jobs stay queued.
  const queue = createSqliteJobQueue({ connection, leaseMs: 300, pollMs: 10, concurrency: 1 });
  await queue.setup();
  let started = false;
  queue.start({ hang: async () => {
    started = true;
    await new Promise(() => {});
  } });
  const hang = await queue.enqueue({ kind: 'hang', payload: {} });
  while (!started) await new Promise((resolve) => setTimeout(resolve, 5));
  process.stdout.write(`hang ${hang.id}\n`);
  for (let n = 0; ; n += 1) {
    const job = await queue.enqueue({ kind: 'work', payload: { n } });
    process.stdout.write(`ack ${job.id}\n`);
  }
} else if (mode === 'work') {
  if (log === undefined) throw new ValidationError('argv', 'work needs a log file');
  const queue = createSqliteJobQueue({ connection, concurrency: 3, pollMs: 5, leaseMs: 30_000 });
  await queue.setup();
  const run = async (job: { id: string }) => {
    appendFileSync(log, `${job.id}\n`);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
  };
  queue.start({ work: run });
  await queue.flush();
  await queue.close({ drain: true });
  process.stdout.write('done\n');
} else {
  throw new ValidationError('argv', `unknown mode ${String(mode)}`);
}
