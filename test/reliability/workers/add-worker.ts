/**
 * Child process of the crash case: adds batches of messages to a cube of the SQLite store given
 * as JSON in argv[2], printing `ACK <json>` (batch number, item ids and texts) as soon as each add
 * is acknowledged, until it is killed or `batches` are done.
 * Run: node --conditions=memos-source test/reliability/workers/add-worker.ts '<json>'
 */
import { createMemOS, type StorageOption } from '@memos-js/core';
import { batchMessages } from '../support/crash-run.ts';

interface AddWorkerConfig {
  storage: StorageOption;
  userId: string;
  cubeId: string;
  /** Run number (makes session ids and texts unique across runs on one file). */
  run: number;
  batches: number;
  batchSize: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as AddWorkerConfig;
const mos = createMemOS({ storage: config.storage, vectorRetry: false, trackAccess: false });
await mos.setup();
process.stdout.write('READY\n');
for (let batch = 0; batch < config.batches; batch++) {
  const { items } = await mos.add({ userId: config.userId, cubeId: config.cubeId, sessionId: `batch-${config.run}-${batch}`, messages: batchMessages(config.run, batch, config.batchSize) });
  process.stdout.write(`ACK ${JSON.stringify({ batch, items: items.map((i) => ({ id: i.id, text: i.text })) })}\n`);
}
await mos.close();
process.stdout.write('DONE\n');
