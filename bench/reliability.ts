/**
 * Reliability benchmark (`npm run bench:reliability`): the reliability suite of test/reliability/
 * at full size on each backend — the tenant-isolation property (>= 10,000 operations per backend),
 * the same property through every LangChain / LangGraph / AI SDK adapter (--adapter-ops),
 * fuzzing of every entry point and hostile dumps, concurrency (50 sessions, two runtimes, two
 * processes on one SQLite file) and crashes (a writer SIGKILLed mid-batch, SQLite). Prints one
 * table and writes JSON to bench/results/. Exits with code 1 when a must-be-zero figure is not 0.
 *
 * Flags: --backend sqlite,neo4j-chroma (comma-separated), --ops 10000 (isolation operations per
 * backend), --adapter-ops 2000 (adapter-isolation operations per backend), --fuzz 1000 (fuzz cases per backend), --dump-rounds 5, --crashes 8, --seed 9, --out FILE.
 * Servers: MEMOS_NEO4J_URL / MEMOS_CHROMA_URL, or started by the project's scripts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, printTable } from './bench-args.ts';
import { benchServers } from './bench-storage.ts';
import { concurrentProcesses, concurrentRuntimes, concurrentSessions, type ConcurrencyReport } from '../test/reliability/support/concurrency-cases.ts';
import { crashRun } from '../test/reliability/support/crash-run.ts';
import { emptyFuzzStats, fuzzCases, runFuzzCases, seedFuzzStore } from '../test/reliability/support/fuzz-run.ts';
import { runHostileDumps } from '../test/reliability/support/hostile-dump-cases.ts';
import { adapterIsolationSequences } from '../test/reliability/support/adapter-isolation-ops.ts';
import { runAdapterIsolationSequences } from '../test/reliability/support/adapter-isolation-run.ts';
import { isolationSequences } from '../test/reliability/support/isolation-ops.ts';
import { runIsolationSequences, summarizeViolations, type IsolationStats } from '../test/reliability/support/isolation-run.ts';
import { IsolationWorld } from '../test/reliability/support/isolation-world.ts';
import { openReliabilityStore, RELIABILITY_BACKENDS, type ReliabilityBackend, type ServerUrls } from '../test/reliability/support/reliability-store.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** One backend's figures. */
export interface ReliabilityRow {
  backend: string;
  isolationOperations: number;
  isolationSequences: number;
  /** Results or errors that revealed an item, marker or cube the actor may not read (must be 0). */
  leaks: number;
  /** Every isolation violation: leaks, existence oracles, unauthorized writes, integrity (must be 0). */
  isolationViolations: number;
  /** Operations of the isolation property issued through the adapters (LangChain, LangGraph, AI SDK). */
  adapterOperations: number;
  /** Adapter results, tool outputs, injected prompts or errors that revealed what the actor may not read (must be 0). */
  adapterLeaks: number;
  /** Every adapter-isolation violation: leaks, existence oracles, writes outside writable cubes, untyped errors (must be 0). */
  adapterViolations: number;
  fuzzCases: number;
  fuzzRejected: number;
  /** Untyped errors, hangs, prototype pollution, changes after a rejection, victim data changed (must be 0). */
  fuzzViolations: number;
  fuzzSkipped: string[];
  concurrentWriters: number;
  updatesAcknowledged: number;
  /** Updates that ended in ConflictError after the runtime's retries. */
  conflictsDetected: number;
  /** Conflicts the runtime logged as retried. */
  conflictsRetried: number;
  /** Lost, duplicated, torn or out-of-order updates (must be 0). */
  lostOrTornUpdates: number;
  /** Processes SIGKILLed mid-batch (faults injected). */
  faultsInjected: number;
  crashAcknowledgedItems: number;
  /** Acknowledged items missing or incomplete after a crash (must be 0). */
  itemsLost: number;
  /** Partial writes visible after a crash (must be 0). */
  partialWrites: number;
  seconds: number;
  /** First examples of each kind of problem. */
  examples: string[];
}

interface Sizes {
  ops: number;
  adapterOps: number;
  fuzz: number;
  dumpRounds: number;
  crashes: number;
  seed: number;
}

async function isolation(backend: ReliabilityBackend, urls: ServerUrls, sizes: Sizes): Promise<IsolationStats> {
  const store = openReliabilityStore({ backend, urls, label: 'bench_iso' });
  const world = new IsolationWorld();
  const total: IsolationStats = { sequences: 0, operations: 0, rejected: 0, byOp: {}, violations: [] };
  try {
    const mos = await store.open({ newId: world.newId, vectorRetry: false });
    for (let chunk = 0; total.operations < sizes.ops; chunk++) {
      const sequences = isolationSequences({ seed: sizes.seed + chunk, runs: 10, opsPerRun: 30, users: 3 });
      const stats = await runIsolationSequences({ mos, world, scratch: store.scratch, sequences, users: 3 });
      total.sequences += stats.sequences;
      total.operations += stats.operations;
      total.rejected += stats.rejected;
      total.violations.push(...stats.violations);
      process.stderr.write(`  ${backend} isolation: ${total.operations} operations, ${total.violations.length} violations\n`);
    }
  } finally {
    await store.drop();
  }
  return total;
}

async function adapterIsolation(backend: ReliabilityBackend, urls: ServerUrls, sizes: Sizes): Promise<IsolationStats> {
  const store = openReliabilityStore({ backend, urls, label: 'bench_adiso' });
  const world = new IsolationWorld();
  const total: IsolationStats = { sequences: 0, operations: 0, rejected: 0, byOp: {}, violations: [] };
  try {
    const mos = await store.open({ newId: world.newId, vectorRetry: false });
    for (let chunk = 0; total.operations < sizes.adapterOps; chunk++) {
      const sequences = adapterIsolationSequences({ seed: sizes.seed + chunk, runs: 5, opsPerRun: 30, users: 3 });
      const stats = await runAdapterIsolationSequences({ mos, world, sequences, users: 3 });
      total.sequences += stats.sequences;
      total.operations += stats.operations;
      total.rejected += stats.rejected;
      total.violations.push(...stats.violations);
      process.stderr.write(`  ${backend} adapter isolation: ${total.operations} operations, ${total.violations.length} violations\n`);
    }
  } finally {
    await store.drop();
  }
  return total;
}

async function fuzz(backend: ReliabilityBackend, urls: ServerUrls, sizes: Sizes) {
  const store = openReliabilityStore({ backend, urls, sqlite: 'file', label: 'bench_fuzz' });
  try {
    const mos = await store.open({ vectorRetry: false, trackAccess: false });
    const seed = await seedFuzzStore(mos, store.scratch);
    const sqlite = store.sqlitePath ? { sqlitePath: store.sqlitePath } : {};
    const stats = await runFuzzCases({ mos, seed, cases: fuzzCases({ seed: sizes.seed, cases: sizes.fuzz }), ...sqlite });
    await runHostileDumps({ mos, seed, stats, rounds: sizes.dumpRounds, ...sqlite });
    process.stderr.write(`  ${backend} fuzz: ${stats.cases} cases, ${stats.violations.length} violations\n`);
    return stats;
  } finally {
    await store.drop();
  }
}

async function concurrency(backend: ReliabilityBackend, urls: ServerUrls): Promise<ConcurrencyReport[]> {
  const reports: ConcurrencyReport[] = [];
  const run = async (label: string, fn: (store: ReturnType<typeof openReliabilityStore>) => Promise<ConcurrencyReport>) => {
    const store = openReliabilityStore({ backend, urls, sqlite: 'file', label: 'bench_conc' });
    try {
      const report = await fn(store);
      reports.push({ ...report, problems: report.problems.map((p) => `${label}: ${p}`) });
      process.stderr.write(`  ${backend} ${label}: ${report.updatesAcknowledged} updates, ${report.problems.length} problems\n`);
    } finally {
      await store.drop();
    }
  };
  await run('50 sessions', (store) => concurrentSessions({ store, sessions: 50, sharedItems: 10, rounds: 3, updatesPerRound: 3, addsPerSession: 4 }));
  await run('2 runtimes', (store) => concurrentRuntimes({ store, runtimes: 2, writersPerRuntime: 4, items: 4, rounds: 10 }));
  if (backend === 'sqlite') await run('2 processes', (store) => concurrentProcesses({ store, processes: 2, items: 4, rounds: 50 }));
  return reports;
}

async function crashes(sizes: Sizes) {
  const store = openReliabilityStore({ backend: 'sqlite', sqlite: 'file', label: 'bench_crash' });
  const totals = { runs: 0, acknowledged: 0, lost: [] as string[], partial: [] as string[] };
  try {
    if (store.storage.kind !== 'sqlite') throw new Error('unreachable');
    for (let i = 0; i < sizes.crashes; i++) {
      const report = await crashRun({ storage: store.storage, killAfter: 2 + ((i * 7) % 40), killDelayMs: i % 10, batchSize: 50 });
      totals.runs += report.killed ? 1 : 0;
      totals.acknowledged += report.acknowledgedItems;
      totals.lost.push(...report.lost);
      totals.partial.push(...report.partial);
    }
    process.stderr.write(`  sqlite crashes: ${totals.runs} kills, ${totals.lost.length} lost, ${totals.partial.length} partial\n`);
  } finally {
    await store.drop();
  }
  return totals;
}

/** Runs every case on one backend. */
export async function runReliability(backend: ReliabilityBackend, urls: ServerUrls, sizes: Sizes): Promise<ReliabilityRow> {
  const t0 = performance.now();
  const iso = await isolation(backend, urls, sizes);
  const adapters = await adapterIsolation(backend, urls, sizes);
  const fz = sizes.fuzz > 0 ? await fuzz(backend, urls, sizes) : emptyFuzzStats();
  const conc = await concurrency(backend, urls);
  const crash = backend === 'sqlite' && sizes.crashes > 0 ? await crashes(sizes) : { runs: 0, acknowledged: 0, lost: [], partial: [] };
  const concProblems = conc.flatMap((r) => r.problems);
  return {
    backend,
    isolationOperations: iso.operations,
    isolationSequences: iso.sequences,
    leaks: iso.violations.filter((v) => v.kind === 'leak').length,
    isolationViolations: iso.violations.length,
    adapterOperations: adapters.operations,
    adapterLeaks: adapters.violations.filter((v) => v.kind === 'leak').length,
    adapterViolations: adapters.violations.length,
    fuzzCases: fz.cases,
    fuzzRejected: fz.rejected,
    fuzzViolations: fz.violations.length,
    fuzzSkipped: fz.missing,
    concurrentWriters: conc.reduce((n, r) => n + r.writers, 0),
    updatesAcknowledged: conc.reduce((n, r) => n + r.updatesAcknowledged, 0),
    conflictsDetected: conc.reduce((n, r) => n + r.conflicts, 0),
    conflictsRetried: conc.reduce((n, r) => n + r.retries, 0),
    lostOrTornUpdates: concProblems.length + conc.reduce((n, r) => n + r.failures.length, 0),
    faultsInjected: crash.runs,
    crashAcknowledgedItems: crash.acknowledged,
    itemsLost: crash.lost.length,
    partialWrites: crash.partial.length,
    seconds: Math.round((performance.now() - t0) / 1000),
    examples: [
      ...(iso.violations.length ? [summarizeViolations(iso.violations, 2)] : []),
      ...(adapters.violations.length ? [`adapters:\n${summarizeViolations(adapters.violations, 2)}`] : []),
      ...fz.violations.slice(0, 5).map((v) => `fuzz ${v.kind} in ${v.entry}: ${v.input.slice(0, 120)} → ${v.detail.slice(0, 200)}`),
      ...concProblems.slice(0, 5),
      ...conc.flatMap((r) => r.failures).slice(0, 3),
      ...crash.lost.slice(0, 3),
      ...crash.partial.slice(0, 3),
    ],
  };
}

async function main(): Promise<void> {
  const args = benchArgs(['ops', 'adapter-ops', 'fuzz', 'dump-rounds', 'crashes', 'seed']);
  const backends = (!process.argv.some((a) => a.startsWith('--backend')) ? RELIABILITY_BACKENDS.join(',') : args.backend).split(',');
  for (const b of backends) if (!(RELIABILITY_BACKENDS as readonly string[]).includes(b)) throw new Error(`unknown --backend ${JSON.stringify(b)}; expected ${RELIABILITY_BACKENDS.join(', ')}`);
  const sizes: Sizes = { ops: Number(args.ops ?? 10_000), adapterOps: Number(args['adapter-ops'] ?? 2_000), fuzz: Number(args.fuzz ?? 1_000), dumpRounds: Number(args['dump-rounds'] ?? 5), crashes: Number(args.crashes ?? 8), seed: Number(args.seed ?? 9) };
  const servers = await benchServers(backends);
  const rows: ReliabilityRow[] = [];
  try {
    const urls: ServerUrls = { ...(servers.neo4jUrl ? { neo4jUrl: servers.neo4jUrl } : {}), ...(servers.chromaUrl ? { chromaUrl: servers.chromaUrl } : {}) };
    for (const backend of backends as ReliabilityBackend[]) rows.push(await runReliability(backend, urls, sizes));
  } finally {
    await servers.stop();
  }
  console.log(`Reliability benchmark — seed ${sizes.seed}, node ${process.version} (must-be-zero columns marked *)\n`);
  printTable(
    ['backend', 'isolation ops', 'leaks*', 'isolation violations*', 'adapter ops', 'adapter leaks*', 'adapter violations*', 'fuzz cases', 'fuzz violations*', 'updates acked', 'conflicts detected', 'conflicts retried', 'lost/torn updates*', 'faults injected (SIGKILL)', 'items lost*', 'partial writes*', 'seconds'],
    rows.map((r) => [r.backend, r.isolationOperations, r.leaks, r.isolationViolations, r.adapterOperations, r.adapterLeaks, r.adapterViolations, r.fuzzCases, r.fuzzViolations, r.updatesAcknowledged, r.conflictsDetected, r.conflictsRetried, r.lostOrTornUpdates, r.faultsInjected, r.itemsLost, r.partialWrites, r.seconds]),
  );
  for (const r of rows) {
    if (r.fuzzSkipped.length > 0) console.log(`\n${r.backend}: entry points not fuzzed (not implemented): ${r.fuzzSkipped.join(', ')}`);
    if (r.examples.length > 0) console.log(`\n${r.backend} examples:\n${r.examples.join('\n')}`);
  }
  const out = resolve(args.out ?? join(repoRoot, 'bench', 'results', `reliability-${backends.join('+')}.json`));
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify({ benchmark: 'reliability', date: new Date().toISOString(), sizes, rows }, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
  if (rows.some((r) => r.leaks + r.isolationViolations + r.adapterViolations + r.fuzzViolations + r.lostOrTornUpdates + r.itemsLost + r.partialWrites > 0)) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
