/**
 * Fusion-parameter sweep on LoCoMo (`node --conditions=memos-source bench/locomo-sweep.ts`): ingests
 * once, then evaluates recall@10 for a grid of hybrid configurations, separately on a tuning split
 * (the first half of the conversations) and a check split (the rest), so a setting is only kept if
 * it also helps on conversations it was not chosen on. A development tool: `npm run bench:locomo`
 * is the benchmark of record.
 */
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemOS, DEFAULT_HYBRID_CONFIG, hybridSearch, type HybridSearchConfig } from '@memos-js/core';
import { benchArgs, printTable } from './bench-args.ts';
import { ingestConversation, scoreRanking } from './locomo.ts';
import { evidenceOf, loadLocomoOrExit } from './locomo-data.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = benchArgs(['data', 'grid']);
const { conversations } = await loadLocomoOrExit('node --conditions=memos-source bench/locomo-sweep.ts', { data: args.data, env: process.env.MEMOS_LOCOMO_PATH, repoRoot });
const mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, trackAccess: false });
await mos.setup();
await mos.createUser({ id: 'bench', name: 'bench' });
const cubes = [];
for (const c of conversations) cubes.push(await ingestConversation(mos, 'bench', c));
const half = Math.ceil(conversations.length / 2);

const grid: [string, Partial<HybridSearchConfig>][] = [['rrf k=60 v=1 g=0.5 (first default)', { fusion: 'rrf', rrfK: 60, weights: { vector: 1, keyword: 1, graph: 0.5 } }]];
grid.push(['rrf k=5 v=0 g=0.5', { fusion: 'rrf', rrfK: 5, weights: { vector: 0, keyword: 1, graph: 0.5 } }]);
if (args.grid === 'knobs') {
  grid.length = 0;
  const base = { fusion: 'score' as const, weights: { vector: 0.2, keyword: 1, graph: 0.75 } };
  grid.push(['base v=0.2 g=0.75', base]);
  for (const b of [0.4, 0.6, 0.9]) grid.push([`b=${b}`, { ...base, bm25: { k1: 1.2, b } }]);
  for (const k1 of [0.8, 1.6]) grid.push([`k1=${k1}`, { ...base, bm25: { k1, b: 0.75 } }]);
  for (const graphSeeds of [5, 20]) grid.push([`seeds=${graphSeeds}`, { ...base, graphSeeds }]);
  grid.push(['hops=2', { ...base, graphHops: 2 }]);
} else if (args.grid === 'seeds') {
  grid.length = 0;
  for (const graphSeeds of [3, 5, 7]) {
    for (const [vector, graph] of [[0, 0.5], [0.2, 0.75], [0.2, 1], [0.35, 1]] as const) {
      for (const k1 of [0.8, 1.2]) grid.push([`seeds=${graphSeeds} v=${vector} g=${graph} k1=${k1}`, { fusion: 'score', graphSeeds, weights: { vector, keyword: 1, graph }, bm25: { k1, b: 0.75 } }]);
    }
  }
}
else for (const vector of (args.grid === 'wide' ? [0, 0.1, 0.2, 0.35, 0.5, 1] : [0, 0.2, 0.35, 0.5])) {
  for (const graph of [0, 0.25, 0.5, 0.75]) grid.push([`score v=${vector} g=${graph}`, { fusion: 'score', weights: { vector, keyword: 1, graph } }]);
}

const rows: (string | number)[][] = [];
for (const [name, partial] of grid) {
  const config: HybridSearchConfig = { ...DEFAULT_HYBRID_CONFIG, ...partial, weights: { ...DEFAULT_HYBRID_CONFIG.weights, ...partial.weights } };
  const sums = [0, 0];
  const counts = [0, 0];
  for (let ci = 0; ci < conversations.length; ci++) {
    const split = ci < half ? 0 : 1;
    for (const qa of conversations[ci]!.qa) {
      const evidence = evidenceOf(qa);
      if (qa.category === 5 || evidence.length === 0) continue;
      const { hits } = await hybridSearch({ graph: mos.graph, vector: mos.vector, embedder: mos.embedder, query: qa.question, filter: { cubeIds: [cubes[ci]!], statuses: ['active'] }, topK: 10, config });
      sums[split]! += scoreRanking(hits.map((h) => h.item.sources[0]?.messageId ?? ''), evidence)['recall@10'] ?? 0;
      counts[split]! += 1;
    }
  }
  rows.push([name, sums[0]! / counts[0]!, sums[1]! / counts[1]!, (sums[0]! + sums[1]!) / (counts[0]! + counts[1]!)]);
}
rows.sort((a, b) => (b[1] as number) - (a[1] as number));
printTable(['config', 'recall@10 tune', 'recall@10 check', 'recall@10 all'], rows);
await mos.close();
