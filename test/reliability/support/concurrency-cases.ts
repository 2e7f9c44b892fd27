/**
 * The concurrency cases of the reliability suite, sized by their options (small in tests, large
 * in the benchmark): many sessions in one runtime, two runtimes on one store, two processes on one
 * SQLite file. Each returns the problems found by {@link verifyUpdates} plus add checks.
 */
import type { MemOS } from '@memos-js/core';
import { startWorker, taggedLines } from './child-worker.ts';
import { retryCountingLogger, runWriter, verifyUpdates, type Ack, type WriterReport } from './concurrent-updates.ts';
import type { ReliabilityStore } from './reliability-store.ts';

/** What a concurrency case found. */
export interface ConcurrencyReport {
  writers: number;
  updatesAcknowledged: number;
  /** Updates that ended in ConflictError (detected, given up after the runtime's retries). */
  conflicts: number;
  /** Conflicts the runtimes logged as retried. */
  retries: number;
  /** Other rejections. */
  failures: string[];
  /** Lost, duplicated, torn or out-of-order writes (must be empty). */
  problems: string[];
}

const USER = 'cc-user';
const CUBE = 'cc-cube';

async function seedItems(mos: MemOS, count: number): Promise<{ ids: string[]; initialTexts: Map<string, string> }> {
  await mos.createUser({ id: USER, name: 'concurrency' });
  await mos.createCube({ userId: USER, id: CUBE, name: 'concurrency' });
  const initialTexts = new Map<string, string>();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { items } = await mos.add({ userId: USER, cubeId: CUBE, text: `shared item ${i} about the garden` });
    ids.push(items[0]!.id);
    initialTexts.set(items[0]!.id, items[0]!.text);
  }
  return { ids, initialTexts };
}

function summarize(reports: WriterReport[], problems: string[], retries: number): ConcurrencyReport {
  return {
    writers: reports.length,
    updatesAcknowledged: reports.reduce((n, r) => n + r.acks.length, 0),
    conflicts: reports.reduce((n, r) => n + r.conflicts, 0),
    retries,
    failures: reports.flatMap((r) => r.failures),
    problems,
  };
}

/**
 * `sessions` concurrent sessions on one runtime: each adds `addsPerSession` items, updates
 * `updatesPerRound` of the shared items per round and searches; nothing may be lost or duplicated.
 */
export async function concurrentSessions(options: { store: ReliabilityStore; sessions: number; sharedItems: number; rounds: number; updatesPerRound: number; addsPerSession: number }): Promise<ConcurrencyReport> {
  const logger = retryCountingLogger();
  const mos = await options.store.open({ logger, vectorRetry: false, trackAccess: false });
  const { ids, initialTexts } = await seedItems(mos, options.sharedItems);
  const searchFailures: string[] = [];
  const reports = await Promise.all(Array.from({ length: options.sessions }, async (_, s) => {
    const sessionId = `s${s}`;
    for (let k = 0; k < options.addsPerSession; k++) await mos.add({ userId: USER, cubeId: CUBE, sessionId, text: `session ${s} note ${k} zs${s}k${k}q` });
    const mine = Array.from({ length: options.updatesPerRound }, (_, k) => ids[(s + k) % ids.length]!);
    const report = await runWriter({ mos, userId: USER, ids: [...new Set(mine)], writer: sessionId, rounds: options.rounds });
    await mos.search({ userId: USER, query: `session ${s} note garden`, topK: 10 }).catch((e: unknown) => searchFailures.push(String(e)));
    return report;
  }));
  const problems = await verifyUpdates({ mos, userId: USER, ids, initialTexts, reports });
  problems.push(...searchFailures.map((f) => `search failed: ${f}`));
  const { items } = await mos.getAll({ userId: USER, cubeIds: [CUBE], limit: 1_000 });
  for (let s = 0; s < options.sessions; s++) {
    for (let k = 0; k < options.addsPerSession; k++) {
      const n = items.filter((i) => i.text.includes(`zs${s}k${k}q`)).length;
      if (n !== 1) problems.push(`add zs${s}k${k}q is stored ${n} times`);
    }
  }
  const expectedTotal = options.sharedItems + options.sessions * options.addsPerSession;
  if (items.length !== expectedTotal) problems.push(`${items.length} items stored, expected ${expectedTotal}`);
  return summarize(reports, problems, logger.retries());
}

/** Two (or more) runtimes on one store, each with `writersPerRuntime` concurrent writers on the same items. */
export async function concurrentRuntimes(options: { store: ReliabilityStore; runtimes: number; writersPerRuntime: number; items: number; rounds: number }): Promise<ConcurrencyReport> {
  const loggers = Array.from({ length: options.runtimes }, () => retryCountingLogger());
  const runtimes: MemOS[] = [];
  for (const logger of loggers) runtimes.push(await options.store.open({ logger, vectorRetry: false, trackAccess: false }));
  const { ids, initialTexts } = await seedItems(runtimes[0]!, options.items);
  const reports = await Promise.all(runtimes.flatMap((mos, r) => Array.from({ length: options.writersPerRuntime }, (_, w) => runWriter({ mos, userId: USER, ids, writer: `rt${r}w${w}`, rounds: options.rounds }))));
  const problems = await verifyUpdates({ mos: runtimes[0]!, userId: USER, ids, initialTexts, reports });
  return summarize(reports, problems, loggers.reduce((n, l) => n + l.retries(), 0));
}

/** Two (or more) child processes, each with its own runtime on one SQLite file, updating the same items. */
export async function concurrentProcesses(options: { store: ReliabilityStore; processes: number; items: number; rounds: number }): Promise<ConcurrencyReport> {
  if (options.store.storage.kind !== 'sqlite' || options.store.sqlitePath === undefined) throw new Error('concurrentProcesses needs a SQLite file store');
  const mos = await options.store.open({ vectorRetry: false, trackAccess: false });
  const { ids, initialTexts } = await seedItems(mos, options.items);
  const workers = Array.from({ length: options.processes }, (_, p) => startWorker('update-worker', { storage: options.store.storage, userId: USER, ids, writer: `proc${p}`, rounds: options.rounds }));
  const exits = await Promise.all(workers.map((w) => w.exit));
  const reports: WriterReport[] = workers.map((w, p) => {
    const done = taggedLines<WriterReport>(w.lines, 'DONE')[0];
    const failures = done?.failures ?? [`process ${p} ended without a report (${exits[p]!.code ?? exits[p]!.signal}): ${exits[p]!.stderr.slice(-500)}`];
    return { writer: `proc${p}`, acks: taggedLines<Ack>(w.lines, 'ACK'), conflicts: done?.conflicts ?? 0, failures, retriesLogged: done?.retriesLogged ?? 0 };
  });
  const problems = await verifyUpdates({ mos, userId: USER, ids, initialTexts, reports });
  return summarize(reports, problems, reports.reduce((n, r) => n + r.retriesLogged, 0));
}
