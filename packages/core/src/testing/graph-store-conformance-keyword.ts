import { expect, it } from 'vitest';
import type { KeywordQuery, KeywordStats, ScoredId } from '../spec/graph-store.ts';
import type { MemoryItem, MemoryStatus } from '../spec/memory-item.ts';
import type { ItemFilter } from '../spec/search.ts';
import { compareStrings } from '../storage/item-filter/compare-items.ts';
import { matchesFilter } from '../storage/item-filter/matches-filter.ts';
import { createRandom, toItemWrite } from './fixtures.ts';
import { expectMemosError, type GraphConformanceContext } from './graph-store-conformance.ts';

const VOCABULARY = ['apple', 'banana', 'cherry', 'date', 'elder', 'fig', 'grape', '東京', 'cafe', '2024'];

interface Doc {
  item: MemoryItem;
  terms: string[];
}

/** Reference statistics, straight from the definition of `KeywordStats`. */
export function referenceKeywordStats(docs: Doc[], terms: string[], filter: ItemFilter): KeywordStats {
  const matching = docs.filter((doc) => matchesFilter(doc.item, filter));
  const df: Record<string, number> = {};
  for (const term of terms) df[term] = matching.filter((doc) => doc.terms.includes(term)).length;
  return { docCount: matching.length, totalLength: matching.reduce((sum, doc) => sum + doc.terms.length, 0), df };
}

/** Reference BM25, straight from the formula documented on `KeywordQuery` (terms in `weights` order). */
export function referenceKeywordSearch(docs: Doc[], query: KeywordQuery): ScoredId[] {
  const { k1, b, avgDocLength } = query;
  const scored: ScoredId[] = [];
  for (const doc of docs) {
    if (!matchesFilter(doc.item, query.filter)) continue;
    let score = 0;
    let matched = false;
    for (const [term, idf] of Object.entries(query.weights)) {
      const tf = doc.terms.filter((t) => t === term).length;
      if (tf === 0) continue;
      matched = true;
      score += (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * doc.terms.length) / avgDocLength));
    }
    if (matched) scored.push({ id: doc.item.id, score });
  }
  return scored.sort((x, y) => y.score - x.score || compareStrings(x.id, y.id)).slice(0, query.limit);
}

function makeDocs(ctx: GraphConformanceContext, cubes: string[]): Doc[] {
  const random = createRandom(23);
  const statuses: MemoryStatus[] = ['active', 'active', 'active', 'archived', 'invalidated'];
  const docs: Doc[] = [];
  for (let i = 0; i < 48; i += 1) {
    const length = i % 12 === 0 ? 0 : 1 + Math.floor(random() * 14);
    // Skewed draws: early words are common, later ones rare; repeats give tf > 1.
    const terms = Array.from({ length }, () => VOCABULARY[Math.floor(random() ** 1.7 * VOCABULARY.length)] as string);
    const item = ctx.fx.item({
      cubeId: cubes[i % cubes.length] as string,
      status: statuses[Math.floor(random() * statuses.length)] as MemoryStatus,
      tags: random() < 0.4 ? ['tagged'] : [],
    });
    docs.push({ item, terms });
  }
  // Two identical documents: an exact score tie that must be ordered by id.
  const twin = docs[1] as Doc;
  docs.push({ item: ctx.fx.item({ cubeId: twin.item.cubeId, status: twin.item.status }), terms: [...twin.terms] });
  return docs;
}

function idf(stats: KeywordStats, term: string): number {
  const df = stats.df[term] ?? 0;
  return Math.log(1 + (stats.docCount - df + 0.5) / (df + 0.5));
}

function expectSameRanking(got: ScoredId[], expected: ScoredId[], label: string): void {
  expect(got.map((hit) => hit.id), label).toStrictEqual(expected.map((hit) => hit.id));
  got.forEach((hit, i) => expect(Math.abs(hit.score - (expected[i]?.score ?? Number.NaN)), `${label} score of ${hit.id}`).toBeLessThanOrEqual(1e-9));
}

/** keywordStats and keywordSearch against reference implementations. */
export function registerKeywordConformance(ctx: GraphConformanceContext): void {
  it('computes keywordStats over the items matching the filter', async () => {
    const cubes = [ctx.cube('k0'), ctx.cube('k1')];
    const docs = makeDocs(ctx, cubes);
    await ctx.store.write({ items: docs.map((doc) => toItemWrite(doc.item, doc.terms)) });
    const terms = ['apple', 'fig', '東京', 'absent', 'apple'];
    const filters: ItemFilter[] = [
      { cubeIds: cubes },
      { cubeIds: [cubes[0] as string], statuses: ['active'] },
      { cubeIds: cubes, tagsAny: ['tagged'], statuses: ['active', 'archived'] },
      { cubeIds: [] },
    ];
    for (const filter of filters) {
      const got = await ctx.store.keywordStats({ terms, filter });
      expect(got, JSON.stringify(filter)).toStrictEqual(referenceKeywordStats(docs, terms, filter));
    }
  });

  it('ranks by BM25 exactly as documented, filtered, ties by id, cut at limit', async () => {
    const cubes = [ctx.cube('s0'), ctx.cube('s1')];
    const docs = makeDocs(ctx, cubes);
    await ctx.store.write({ items: docs.map((doc) => toItemWrite(doc.item, doc.terms)) });
    const cases: { terms: string[]; filter: ItemFilter; limit: number; k1?: number; b?: number }[] = [
      { terms: ['apple'], filter: { cubeIds: cubes }, limit: 100 },
      { terms: ['fig', '東京', 'cafe'], filter: { cubeIds: cubes, statuses: ['active'] }, limit: 100 },
      { terms: ['banana', 'grape', 'absent'], filter: { cubeIds: [cubes[1] as string] }, limit: 5 },
      { terms: ['apple', 'banana', 'cherry', 'date', 'elder'], filter: { cubeIds: cubes, tagsAny: ['tagged'] }, limit: 7 },
      { terms: ['2024', 'elder'], filter: { cubeIds: cubes }, limit: 100, k1: 0, b: 0 },
      { terms: ['cherry', 'date'], filter: { cubeIds: cubes, statuses: ['archived', 'invalidated'] }, limit: 100, k1: 2, b: 1 },
      { terms: ['apple'], filter: { cubeIds: cubes }, limit: 0 },
      { terms: [], filter: { cubeIds: cubes }, limit: 10 },
    ];
    let nonEmpty = 0;
    for (const c of cases) {
      const stats = referenceKeywordStats(docs, c.terms, c.filter);
      const weights = Object.fromEntries(c.terms.map((term) => [term, idf(stats, term)]));
      const query: KeywordQuery = { weights, k1: c.k1 ?? 1.2, b: c.b ?? 0.75, avgDocLength: 6.5, filter: c.filter, limit: c.limit };
      const expected = referenceKeywordSearch(docs, query);
      expectSameRanking(await ctx.store.keywordSearch(query), expected, JSON.stringify(c));
      if (expected.length > 1) nonEmpty += 1;
    }
    expect(nonEmpty).toBeGreaterThanOrEqual(5);
    // A tie exactly at the cut: the smaller id wins even when it was written last.
    const later = ctx.fx.item({ id: ctx.fx.id('tie-b'), cubeId: cubes[0] as string });
    const earlier = ctx.fx.item({ id: ctx.fx.id('tie-a'), cubeId: cubes[0] as string });
    await ctx.store.write({ items: [toItemWrite(later, ['tieword', 'apple'])] });
    await ctx.store.write({ items: [toItemWrite(earlier, ['tieword', 'apple'])] });
    const tie = { weights: { tieword: 2 }, k1: 1.2, b: 0.75, avgDocLength: 6.5, filter: { cubeIds: cubes }, limit: 1 };
    expect((await ctx.store.keywordSearch(tie)).map((hit) => hit.id)).toStrictEqual([earlier.id]);
    const twinIds = docs.slice(-1).map((doc) => doc.item.id);
    const all = await ctx.store.keywordSearch({
      weights: Object.fromEntries(VOCABULARY.map((term) => [term, 1])),
      k1: 1.2,
      b: 0.75,
      avgDocLength: 6.5,
      filter: { cubeIds: cubes },
      limit: 1000,
    });
    expect(all.some((hit) => twinIds.includes(hit.id))).toBe(true);
    expect(all.length).toBe(docs.filter((doc) => doc.terms.length > 0).length + 2);
  });

  it('rejects malformed keyword queries with ValidationError', async () => {
    const filter = { cubeIds: [ctx.cube('v')] };
    const base: KeywordQuery = { weights: { a: 1 }, k1: 1.2, b: 0.75, avgDocLength: 5, filter, limit: 10 };
    await expectMemosError(ctx.store.keywordSearch({ ...base, weights: { a: Number.NaN } }), 'MEMOS_VALIDATION');
    await expectMemosError(ctx.store.keywordSearch({ ...base, limit: -1 }), 'MEMOS_VALIDATION');
    await expectMemosError(ctx.store.keywordSearch({ ...base, filter: { cubeIds: 'x' } as unknown as ItemFilter }), 'MEMOS_VALIDATION');
  });
}
