/**
 * `npm run bench:scheduler [-- --backend sqlite,neo4j,redis] [--jobs 2000] [--turns 1000] [--out file]`:
 * the MemScheduler's job queue per backend (`redis`: the BullMQ queue over Redis with SQLite storage; Redis from
 * MEMOS_REDIS_URL or started by scripts/services-lib.mjs for the run).
 * - enqueue/s: acknowledged (persisted) enqueues per second, one at a time;
 * - run/s: no-op jobs completed per second (concurrency 8) once started;
 * - add → searchable p50/p95: a turn write queued through `mos.scheduler.enqueue` until `mos.search` finds it, polling (no flush);
 * - flush misses: over `--turns` turns, a turn write, `flush({ sessionId })`, then a search for it: how many were not found (goal 0).
 * Prints a table and writes JSON to bench/results/scheduler.json (or `--out`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemOS, type JobQueue, type MemOS, type StorageOption } from '@memos-js/core';
import { createBullMqJobQueue, loadBullmq } from '@memos-js/core/bullmq';
import { createNeo4jJobQueue, createNeo4jStorage, Neo4jConnection } from '@memos-js/core/neo4j';
import { createSqliteJobQueue, SqliteConnection } from '@memos-js/core/sqlite';
import { benchArgs, printTable } from './bench-args.ts';
import { benchServers } from './bench-storage.ts';

const args = benchArgs(['jobs', 'turns', 'latency-turns'] as const);
const backends = args.backend.split(',').map((b) => b.trim()).filter(Boolean);
const JOBS = Number(args.jobs ?? 2000);
const TURNS = Number(args.turns ?? 1000);
const LATENCY_TURNS = Number(args['latency-turns'] ?? 200);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Backend {
  queue(): JobQueue;
  /** The MemOS scheduler's queue (default: the storage's own). */
  schedulerQueue?(): JobQueue;
  storage(): StorageOption;
  cleanup(): Promise<void>;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/** MEMOS_REDIS_URL, or a Redis started for this run (stopped by `stop`). */
async function benchRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.MEMOS_REDIS_URL) return { url: process.env.MEMOS_REDIS_URL, stop: async () => {} };
  // @ts-expect-error -- plain JS module of the repository's scripts (no type declarations)
  const lib = (await import('../scripts/services-lib.mjs')) as { startServices: (o: object) => Promise<Record<string, { url: string }>>; stopServices: (s: object) => Promise<void> };
  const state = await lib.startServices({ which: ['redis'], runId: `bench-redis-${process.pid}`, watchPid: process.pid });
  return { url: state['redis']!.url, stop: () => lib.stopServices(state) };
}

async function openBackend(name: string, neo4jUrl: string | undefined, redisUrl?: string): Promise<Backend> {
  if (name === 'redis') {
    if (!redisUrl) throw new Error('redis needs a server');
    const dir = mkdtempSync(join(tmpdir(), 'memos-bench-sched-'));
    const tag = `bench-sched-${process.pid}-${Date.now().toString(36)}`;
    return {
      queue: () => createBullMqJobQueue({ url: redisUrl, name: `${tag}-q`, concurrency: 8, pollMs: 10 }),
      schedulerQueue: () => createBullMqJobQueue({ url: redisUrl, name: `${tag}-mos`, concurrency: 4, pollMs: 5 }),
      storage: () => ({ kind: 'sqlite', path: join(dir, 'memos.db') }),
      cleanup: async () => {
        rmSync(dir, { recursive: true, force: true });
        const { Queue } = await loadBullmq();
        const u = new URL(redisUrl);
        for (const queueName of [`${tag}-q`, `${tag}-mos`]) {
          const q = new Queue(queueName, { connection: { host: u.hostname, port: Number(u.port || 6379) }, prefix: 'memos' });
          await q.obliterate({ force: true });
          await q.close();
        }
      },
    };
  }
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'memos-bench-sched-'));
    return {
      queue: () => createSqliteJobQueue({ connection: new SqliteConnection({ path: join(dir, 'queue.db') }), concurrency: 8, pollMs: 10 }),
      storage: () => ({ kind: 'sqlite', path: join(dir, 'memos.db') }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (name === 'neo4j') {
    if (!neo4jUrl) throw new Error('neo4j needs a server');
    const namespace = `bench_sched_${process.pid}_${Date.now().toString(36)}`;
    return {
      queue: () => createNeo4jJobQueue({ connection: new Neo4jConnection({ url: neo4jUrl, namespace: `${namespace}_q` }), concurrency: 8, pollMs: 10 }),
      storage: () => ({ kind: 'neo4j', neo4j: { url: neo4jUrl, namespace } }),
      cleanup: async () => {
        for (const ns of [namespace, `${namespace}_q`]) {
          const storage = createNeo4jStorage({ url: neo4jUrl, namespace: ns });
          await storage.dropNamespace();
          await storage.close();
        }
      },
    };
  }
  throw new Error(`unknown --backend ${JSON.stringify(name)}; expected sqlite, neo4j, redis`);
}

async function throughput(backend: Backend): Promise<{ enqueuePerS: number; runPerS: number }> {
  const queue = backend.queue();
  await queue.setup();
  let t = performance.now();
  for (let i = 0; i < JOBS; i += 1) await queue.enqueue({ kind: 'noop', payload: { i } });
  const enqueueS = (performance.now() - t) / 1000;
  t = performance.now();
  queue.start({ noop: async () => {} });
  await queue.flush();
  const runS = (performance.now() - t) / 1000;
  await queue.close();
  return { enqueuePerS: JOBS / enqueueS, runPerS: JOBS / runS };
}

async function withMos<T>(backend: Backend, fn: (mos: MemOS) => Promise<T>): Promise<T> {
  const mos = createMemOS({ storage: backend.storage(), audit: { reads: false }, trackAccess: false, scheduler: backend.schedulerQueue ? { queue: backend.schedulerQueue() } : { queueOptions: { pollMs: 5, concurrency: 4 } } });
  await mos.setup();
  try {
    await mos.createUser({ id: 'bench', name: 'Bench' }).catch(() => undefined);
    await mos.createCube({ userId: 'bench', id: 'bench-cube', name: 'Bench' }).catch(() => undefined);
    return await fn(mos);
  } finally {
    await mos.close();
  }
}

async function addToSearchable(backend: Backend): Promise<{ p50Ms: number; p95Ms: number }> {
  return withMos(backend, async (mos) => {
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_TURNS; i += 1) {
      const marker = `lat${i.toString(36)}q${process.pid.toString(36)}`;
      const started = performance.now();
      await mos.scheduler.enqueue({ kind: 'turn-write', userId: 'bench', sessionId: 'latency', add: { cubeId: 'bench-cube', text: `latency turn ${marker}` } as never });
      for (;;) {
        const found = await mos.search({ userId: 'bench', cubeIds: ['bench-cube'], query: marker, topK: 1 });
        if (found.hits[0]?.item.text === `latency turn ${marker}`) break;
        if (performance.now() - started > 30_000) throw new Error(`turn ${i} not searchable after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      latencies.push(performance.now() - started);
    }
    return { p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95) };
  });
}

async function flushMisses(backend: Backend): Promise<{ misses: number; turns: number; msPerTurn: number }> {
  return withMos(backend, async (mos) => {
    let misses = 0;
    const started = performance.now();
    for (let i = 0; i < TURNS; i += 1) {
      const sessionId = `s${i % 10}`;
      const marker = `fl${i.toString(36)}q${process.pid.toString(36)}`;
      await mos.scheduler.enqueue({ kind: 'turn-write', userId: 'bench', sessionId, add: { cubeId: 'bench-cube', text: `flush turn ${marker}` } as never });
      await mos.scheduler.flush({ sessionId });
      const found = await mos.search({ userId: 'bench', cubeIds: ['bench-cube'], query: marker, topK: 1 });
      if (found.hits[0]?.item.text !== `flush turn ${marker}`) misses += 1;
    }
    return { misses, turns: TURNS, msPerTurn: (performance.now() - started) / TURNS };
  });
}

const servers = backends.includes('neo4j') ? await benchServers(['neo4j']) : undefined;
const redis = backends.includes('redis') ? await benchRedis() : undefined;
const results: Record<string, unknown>[] = [];
try {
  for (const name of backends) {
    const backend = await openBackend(name, servers?.neo4jUrl, redis?.url);
    try {
      const phase = (what: string) => console.error(`[${name}] ${what} ...`);
      phase(`throughput (${JOBS} jobs)`);
      const t = await throughput(backend);
      phase(`add -> searchable (${LATENCY_TURNS} turns)`);
      const l = await addToSearchable(backend);
      phase(`flush read-your-writes (${TURNS} turns)`);
      const f = await flushMisses(backend);
      results.push({ backend: name, jobs: JOBS, ...t, latencyTurns: LATENCY_TURNS, addToSearchableP50Ms: l.p50Ms, addToSearchableP95Ms: l.p95Ms, flushTurns: f.turns, flushMisses: f.misses, flushMsPerTurn: f.msPerTurn });
    } finally {
      await backend.cleanup();
    }
  }
} finally {
  await servers?.stop();
  await redis?.stop();
}

printTable(
  ['backend', 'enqueue/s', 'run/s', 'add→searchable p50 ms', 'p95 ms', 'flush turns', 'flush misses', 'ms/turn (flush)'],
  results.map((r) => [String(r['backend']), Number(r['enqueuePerS']), Number(r['runPerS']), Number(r['addToSearchableP50Ms']), Number(r['addToSearchableP95Ms']), Number(r['flushTurns']), Number(r['flushMisses']), Number(r['flushMsPerTurn'])]),
);
const out = args.out ?? join(repoRoot, 'bench', 'results', 'scheduler.json');
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify({ node: process.version, jobs: JOBS, turns: TURNS, results }, null, 2)}\n`);
console.log(`wrote ${out}`);
const failed = results.some((r) => Number(r['flushMisses']) > 0);
process.exitCode = failed ? 1 : 0;
