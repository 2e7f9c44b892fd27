/**
 * LoCoMo evidence recall (`npm run bench:locomo`). Ingests every turn of each conversation in
 * fast mode (the turn's dia_id kept as the message id) and, for every question with evidence
 * (category 5, adversarial, skipped), measures evidence recall@k and any-hit@k for k = 5, 10, 20,
 * for three retrievers in one run with the same embedder: full hybrid, BM25 only, vector only.
 *
 * Flags: --data PATH (default $MEMOS_LOCOMO_PATH, else ../shared/data/locomo-dev.json when it exists; without
 *        data it prints where to get LoCoMo and exits with code 2),
 *        --backend sqlite|neo4j-chroma|neo4j (comma-separated: side by side in one run),
 *        --keyword-candidates N (Neo4j keyword candidate pool; default the store's),
 *        --out FILE (default bench/results/locomo-<backends>.json).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemOS, type MemOS, type SignalWeights } from '@memos-js/core';
import { benchArgs, printTable } from './bench-args.ts';
import { benchServers, benchStorage, benchStorageOptions, shareIdentical, type BenchServers, type BenchStorageOptions } from './bench-storage.ts';
import { evidenceOf, loadLocomoOrExit, sessionsOf, turnText, type LocomoConversation } from './locomo-data.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KS = [5, 10, 20] as const;
const RETRIEVERS: Record<string, Partial<SignalWeights>> = {
  hybrid: {},
  bm25: { vector: 0, keyword: 1, graph: 0 },
  vector: { vector: 1, keyword: 0, graph: 0 },
};

type Metrics = Record<string, number>;

/** Ingests one conversation into its own cube; returns the cube id. */
export async function ingestConversation(mos: MemOS, userId: string, conversation: LocomoConversation): Promise<string> {
  const cube = await mos.createCube({ userId, id: `locomo-${conversation.sample_id}`, name: conversation.sample_id });
  for (const session of sessionsOf(conversation)) {
    const messages = session.turns.map((turn) => ({
      role: turn.speaker === conversation.conversation.speaker_a ? 'user' as const : 'assistant' as const,
      speaker: turn.speaker, content: turnText(turn), messageId: turn.dia_id, ...(session.time ? { time: session.time } : {}),
    }));
    if (messages.length > 0) await mos.add({ userId, cubeId: cube.id, sessionId: `${conversation.sample_id}:session_${session.index}`, messages });
  }
  return cube.id;
}

/** Evidence recall/any-hit of one ranked list of dia_ids. */
export function scoreRanking(ranked: string[], evidence: string[]): Metrics {
  const metrics: Metrics = {};
  for (const k of KS) {
    const top = new Set(ranked.slice(0, k));
    const found = evidence.filter((e) => top.has(e)).length;
    metrics[`recall@${k}`] = found / evidence.length;
    metrics[`anyhit@${k}`] = found > 0 ? 1 : 0;
  }
  return metrics;
}

interface LocomoRun {
  backend: string;
  embedder: string;
  turns: number;
  questions: number;
  ingestMs: number;
  results: Record<string, Metrics>;
  latencyMs: Record<string, { p50: number; p95: number }>;
  /** Per retriever, the ranked turns (dia_ids; item ids differ between runs) of every question (in question order): compared across backends. */
  rankings: Record<string, string[][]>;
}

/** How one backend's run agrees with a reference run: largest metric difference and share of identical rankings. */
export function agreement(run: LocomoRun, reference: LocomoRun): Record<string, { maxMetricDiff: number; identicalRankings: number }> {
  return Object.fromEntries(
    Object.keys(run.results).map((name) => {
      const metrics = run.results[name] ?? {};
      const maxMetricDiff = Math.max(...Object.entries(metrics).map(([m, v]) => Math.abs(v - (reference.results[name]?.[m] ?? Number.NaN))));
      const ours = run.rankings[name] ?? [];
      const theirs = reference.rankings[name] ?? [];
      return [name, { maxMetricDiff, identicalRankings: shareIdentical(ours, theirs) }];
    }),
  );
}

/** Ingests every conversation on one backend and scores every retriever. */
export async function runLocomo(options: { backend: string; servers: BenchServers; conversations: LocomoConversation[]; storageOptions?: BenchStorageOptions }): Promise<LocomoRun> {
  const { conversations } = options;
  const { storage, cleanup } = await benchStorage(options.backend, options.servers, options.storageOptions);
  const mos = createMemOS({ storage, trackAccess: false });
  try {
    await mos.setup();
    await mos.createUser({ id: 'bench', name: 'bench' });
    const sums: Record<string, Metrics> = Object.fromEntries(Object.keys(RETRIEVERS).map((r) => [r, {}]));
    const latency: Record<string, number[]> = Object.fromEntries(Object.keys(RETRIEVERS).map((r) => [r, []]));
    const rankings: Record<string, string[][]> = Object.fromEntries(Object.keys(RETRIEVERS).map((r) => [r, []]));
    let questions = 0;
    let turns = 0;
    const ingestStarted = performance.now();
    const cubes = new Map<string, string>();
    for (const conversation of conversations) {
      cubes.set(conversation.sample_id, await ingestConversation(mos, 'bench', conversation));
      turns += sessionsOf(conversation).reduce((n, s) => n + s.turns.length, 0);
    }
    const ingestMs = performance.now() - ingestStarted;
    for (const conversation of conversations) {
      const cubeId = cubes.get(conversation.sample_id) ?? '';
      for (const qa of conversation.qa) {
        const evidence = evidenceOf(qa);
        if (qa.category === 5 || evidence.length === 0) continue;
        questions += 1;
        for (const [name, weights] of Object.entries(RETRIEVERS)) {
          const { hits, timings } = await mos.search({ userId: 'bench', query: qa.question, cubeIds: [cubeId], topK: 20, weights });
          latency[name]!.push(timings.storeMs);
          const ranked = hits.map((h) => h.item.sources[0]?.messageId ?? '');
          rankings[name]!.push(ranked);
          for (const [metric, value] of Object.entries(scoreRanking(ranked, evidence))) sums[name]![metric] = (sums[name]![metric] ?? 0) + value;
        }
      }
    }
    const results = Object.fromEntries(Object.entries(sums).map(([name, metrics]) => [name, Object.fromEntries(Object.entries(metrics).map(([m, v]) => [m, v / questions]))]));
    const latencyMs = Object.fromEntries(Object.entries(latency).map(([n, xs]) => [n, { p50: percentile(xs, 0.5), p95: percentile(xs, 0.95) }]));
    return { backend: options.backend, embedder: mos.embedder.fingerprint, turns, questions, ingestMs, results, latencyMs, rankings };
  } finally {
    await mos.close();
    await cleanup();
  }
}

function percentile(values: number[], q: number): number {
  return [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? 0;
}

async function main(): Promise<void> {
  const args = benchArgs(['data', 'keyword-candidates']);
  const storageOptions = benchStorageOptions(args);
  const { path: dataPath, conversations } = await loadLocomoOrExit('npm run bench:locomo', { data: args.data, env: process.env.MEMOS_LOCOMO_PATH, repoRoot });
  const backends = args.backend.split(',');
  const servers = await benchServers(backends);
  const runs: LocomoRun[] = [];
  try {
    for (const backend of backends) runs.push(await runLocomo({ backend, servers, conversations, storageOptions }));
  } finally {
    await servers.stop();
  }
  const first = runs[0]!;
  console.log(`LoCoMo evidence retrieval — ${conversations.length} conversations, ${first.turns} turns, ${first.questions} questions (category 5 skipped), embedder ${first.embedder}`);
  for (const run of runs) console.log(`ingest on ${run.backend}: ${(run.ingestMs / 1000).toFixed(2)} s (${(run.turns / (run.ingestMs / 1000)).toFixed(0)} turns/s, embedding included)`);
  console.log();
  printTable(
    ['backend', 'retriever', ...KS.map((k) => `recall@${k}`), ...KS.map((k) => `anyhit@${k}`), 'store p50 ms', 'store p95 ms'],
    runs.flatMap((run) => Object.entries(run.results).map(([name, m]) => [run.backend, name, ...KS.map((k) => m[`recall@${k}`] ?? 0), ...KS.map((k) => m[`anyhit@${k}`] ?? 0), run.latencyMs[name]!.p50, run.latencyMs[name]!.p95])),
  );
  if (runs.length > 1) {
    console.log(`\nAgreement with ${first.backend} (largest difference of any recall/any-hit metric; share of questions ranked identically, top 20)\n`);
    printTable(
      ['backend', 'retriever', 'max metric diff', 'identical rankings'],
      runs.slice(1).flatMap((run) => Object.entries(agreement(run, first)).map(([name, a]) => [run.backend, name, a.maxMetricDiff, a.identicalRankings])),
    );
  }
  const out = resolve(args.out ?? join(repoRoot, 'bench', 'results', `locomo-${backends.join('+')}.json`));
  await mkdir(dirname(out), { recursive: true });
  const agreements = Object.fromEntries(runs.slice(1).map((run) => [run.backend, agreement(run, first)]));
  const summary = runs.map(({ rankings: _rankings, ...rest }) => rest);
  await writeFile(out, `${JSON.stringify({ benchmark: 'locomo', date: new Date().toISOString(), dataPath, conversations: conversations.length, runs: summary, agreementWith: first.backend, agreements }, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
