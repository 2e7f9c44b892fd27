/**
 * Child process of the concurrency cases: opens its own MemOS on the store given as JSON in
 * argv[2] and updates the same items as its siblings (see support/concurrent-updates.ts).
 * Prints `ACK <json>` per acknowledged update and `DONE <json report>` at the end.
 * Run: node --conditions=memos-source test/reliability/workers/update-worker.ts '<json>'
 */
import { createMemOS, type StorageOption } from '@memos-js/core';
import { retryCountingLogger, runWriter } from '../support/concurrent-updates.ts';

interface UpdateWorkerConfig {
  storage: StorageOption;
  userId: string;
  ids: string[];
  writer: string;
  rounds: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as UpdateWorkerConfig;
const logger = retryCountingLogger();
const mos = createMemOS({ storage: config.storage, logger, vectorRetry: false, trackAccess: false });
await mos.setup();
process.stdout.write('READY\n');
const report = await runWriter({ mos, userId: config.userId, ids: config.ids, writer: config.writer, rounds: config.rounds, logger, onAck: (ack) => process.stdout.write(`ACK ${JSON.stringify(ack)}\n`) });
await mos.close();
process.stdout.write(`DONE ${JSON.stringify({ ...report, acks: [] })}\n`);
