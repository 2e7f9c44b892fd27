/**
 * The crash case: a child process adds batches of messages to a SQLite file and is SIGKILLed in
 * the middle of the loop; after a restart every acknowledged item must be present and complete
 * (text, version record, searchable) and no partial item may be visible (an item without its
 * version, a version without its item, or part of one add's batch).
 */
import { DatabaseSync } from 'node:sqlite';
import { createMemOS, type StorageOption } from '@memos-js/core';
import { startWorker, taggedLines } from './child-worker.ts';

/** The messages of one batch (each with a unique marker word, so search can find each item). */
export function batchMessages(run: number, batch: number, size: number): { role: 'user' | 'assistant'; content: string }[] {
  return Array.from({ length: size }, (_, i) => ({ role: i % 2 === 0 ? 'user' as const : 'assistant' as const, content: `crash run ${run} batch ${batch} message ${i} about the garden zc${run}y${batch}x${i}q` }));
}

let runs = 0;

/** What one crash run found. */
export interface CrashReport {
  /** Batches acknowledged before the kill. */
  acknowledgedBatches: number;
  acknowledgedItems: number;
  /** Whether the child was really killed (false: it finished first). */
  killed: boolean;
  /** Items in the store after the restart. */
  itemsAfter: number;
  /** Acknowledged items missing or incomplete after the restart. */
  lost: string[];
  /** Partial writes visible after the restart. */
  partial: string[];
}

/** Options of {@link crashRun}. */
export interface CrashRunOptions {
  /** A SQLite file store (`{ kind: 'sqlite', path }`). */
  storage: StorageOption & { kind: 'sqlite' };
  /** Kill after this many acknowledged batches (plus `killDelayMs`). */
  killAfter: number;
  /** Extra delay before the kill, so it lands inside a write (default 0–9 ms). */
  killDelayMs?: number;
  batchSize?: number;
  /** Batches the child would add if not killed (default 100,000: it is always killed first). */
  batches?: number;
}

interface AckLine {
  batch: number;
  items: { id: string; text: string }[];
}

/** Runs one crash: seeds user and cube, starts the writer, kills it, restarts and checks. */
export async function crashRun(options: CrashRunOptions): Promise<CrashReport> {
  const userId = 'crash-user';
  const cubeId = 'crash-cube';
  const batchSize = options.batchSize ?? 20;
  const seed = createMemOS({ storage: options.storage, vectorRetry: false });
  await seed.setup();
  if (!(await seed.listUsers()).some((u) => u.id === userId)) {
    await seed.createUser({ id: userId, name: 'crash' });
    await seed.createCube({ userId, id: cubeId, name: 'crash' });
  }
  await seed.close();

  let acked = 0;
  let killTimer: NodeJS.Timeout | undefined;
  const run = ++runs;
  const worker = startWorker('add-worker', { storage: options.storage, userId, cubeId, run, batches: options.batches ?? 100_000, batchSize }, (line) => {
    if (!line.startsWith('ACK ') || ++acked !== options.killAfter) return;
    killTimer = setTimeout(() => worker.child.kill('SIGKILL'), options.killDelayMs ?? Math.floor(Math.random() * 10));
  });
  await worker.ready;
  const exit = await worker.exit;
  clearTimeout(killTimer);
  const acks = taggedLines<AckLine>(worker.lines, 'ACK');

  const mos = createMemOS({ storage: options.storage, vectorRetry: false, trackAccess: false });
  await mos.setup();
  const lost: string[] = [];
  try {
    const stored = new Map<string, string>();
    for (let offset = 0; ; offset += 1_000) {
      const page = await mos.getAll({ userId, cubeIds: [cubeId], filter: { statuses: ['active', 'deleted', 'invalidated'] }, limit: 1_000, offset });
      for (const item of page.items) stored.set(item.id, item.text);
      if (page.items.length < 1_000) break;
    }
    const created = createVersions(options.storage.path);
    const acked = acks.flatMap((ack) => ack.items.map((item) => ({ ...item, batch: ack.batch })));
    for (const { id, text, batch } of acked) {
      if (!stored.has(id)) lost.push(`${id} (batch ${batch}) is missing`);
      else if (stored.get(id) !== text) lost.push(`${id}: text ${JSON.stringify(stored.get(id))} instead of ${JSON.stringify(text)}`);
      if (!created.has(id)) lost.push(`${id}: no create version record`);
    }
    // Searchable: a spread of the acknowledged items, the last one included.
    const step = Math.max(1, Math.floor(acked.length / 10));
    for (const { id, text } of acked.filter((_, i) => i % step === 0 || i === acked.length - 1)) {
      const marker = /zc\d+y\d+x\d+q/.exec(text)?.[0] ?? text;
      const { hits } = await mos.search({ userId, query: marker, cubeIds: [cubeId], topK: 5 });
      if (!hits.some((h) => h.item.id === id)) lost.push(`${id}: not found by searching ${marker}`);
    }
    return {
      acknowledgedBatches: acks.length,
      acknowledgedItems: acked.length,
      killed: exit.signal === 'SIGKILL',
      itemsAfter: stored.size,
      lost,
      partial: partialRows(options.storage.path, batchSize),
    };
  } finally {
    await mos.close();
  }
}

/** Ids of the items that have their `create` version record (version 1) in the SQLite file. */
function createVersions(path: string): Set<string> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return new Set((db.prepare("select item_id from versions where version = 1 and action = 'create'").all() as { item_id: string }[]).map((r) => r.item_id));
  } finally {
    db.close();
  }
}

/** Partial writes in the SQLite file: items without versions, versions without items, incomplete batches. */
export function partialRows(path: string, batchSize: number): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const found: string[] = [];
    const rows = <T>(sql: string) => db.prepare(sql).all() as T[];
    for (const r of rows<{ id: string }>('select id from memory where id not in (select item_id from versions)')) found.push(`item ${r.id} has no version record`);
    for (const r of rows<{ item_id: string }>('select distinct item_id from versions where item_id not in (select id from memory)')) found.push(`version records of missing item ${r.item_id}`);
    for (const r of rows<{ id: string; version: number; n: number }>('select m.id, m.version, (select count(*) from versions v where v.item_id = m.id) as n from memory m')) {
      if (r.n !== r.version) found.push(`item ${r.id} is at version ${r.version} with ${r.n} version records`);
    }
    for (const r of rows<{ session_id: string; n: number }>("select session_id, count(*) as n from memory where session_id like 'batch-%' group by session_id")) {
      if (r.n !== batchSize) found.push(`${r.session_id}: ${r.n} of ${batchSize} items visible (a torn add)`);
    }
    return found;
  } finally {
    db.close();
  }
}
