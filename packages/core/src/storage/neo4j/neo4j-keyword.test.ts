import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest';
import type { GraphStore, KeywordQuery } from '../../spec/graph-store.ts';
import type { MemoryItem, MemoryStatus } from '../../spec/memory-item.ts';
import type { ItemFilter } from '../../spec/search.ts';
import { createFixtures, createRandom, toItemWrite, uniqueSuffix } from '../../testing/fixtures.ts';
import { createSqliteStorage, type SqliteStorage } from '../sqlite/create-sqlite-storage.ts';
import { createNeo4jStorage, type Neo4jStorage, type Neo4jStorageOptions } from './create-neo4j-storage.ts';
import { encodeTerm, keywordText, termCounts } from './neo4j-keyword-text.ts';

// The full-text keyword index of the Neo4j backend, checked against the SQLite store (exhaustive BM25) on a real server.

const url = inject('neo4jUrl') || process.env.MEMOS_NEO4J_URL || '';
if (url === '') throw new Error('No Neo4j server: run through vitest (test/global-setup.ts) or set MEMOS_NEO4J_URL');
vi.setConfig({ testTimeout: 180_000 });
const namespace = `tkw_${uniqueSuffix()}`;
const opened: { close(): Promise<void> }[] = [];

async function pair(options: Partial<Neo4jStorageOptions> = {}): Promise<{ neo: Neo4jStorage; sqlite: SqliteStorage }> {
  const neo = createNeo4jStorage({ url, namespace, ...options });
  const sqlite = createSqliteStorage({ path: ':memory:' });
  opened.push(neo, sqlite);
  await Promise.all([neo.graph.setup(), sqlite.graph.setup()]);
  return { neo, sqlite };
}

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

afterAll(async () => {
  const storage = createNeo4jStorage({ url, namespace });
  await storage.dropNamespace();
  await storage.close();
});

/** Writes the same batch to both stores. */
async function writeBoth(stores: GraphStore[], items: MemoryItem[], terms?: (item: MemoryItem) => string[]): Promise<void> {
  for (const store of stores) await store.write({ items: items.map((item) => toItemWrite(item, terms?.(item))) });
}

/** Asserts equal statistics and equal search results on both stores for each filter and term set. */
async function expectSameKeywordAnswers(neo: GraphStore, sqlite: GraphStore, filters: ItemFilter[], termSets: string[][], limit: number): Promise<void> {
  for (const filter of filters) {
    for (const terms of termSets) {
      const label = JSON.stringify({ filter, terms });
      const stats = await sqlite.keywordStats({ terms, filter });
      expect(await neo.keywordStats({ terms, filter }), label).toStrictEqual(stats);
      if (stats.docCount === 0) continue;
      // Terms no matching item holds weigh least (the core drops them): a query over Lucene's clause cap keeps every present term.
      const weights = Object.fromEntries(terms.map((term, i) => [term, (stats.df[term] ?? 0) > 0 ? 0.5 + ((i * 7) % 5) / 3 : 0.1]));
      const query: KeywordQuery = { weights, k1: 1.2, b: 0.75, avgDocLength: stats.totalLength / stats.docCount || 1, filter, limit };
      expect(await neo.keywordSearch(query), label).toStrictEqual(await sqlite.keywordSearch(query));
    }
  }
}

describe('Neo4j keyword index', () => {
  it('encodes terms injectively into whitespace-free tokens and counts them back', () => {
    const terms = ['plain', 'two words', 'tab\tand\nnewline', '%20', '%', 'x'.repeat(300), 'y'.repeat(300), 'unit\u001fsep', 'café'];
    const encoded = terms.map(encodeTerm);
    expect(new Set(encoded).size).toBe(terms.length);
    for (const token of encoded) {
      expect(token).not.toMatch(/[\s\u001c-\u001f]/u);
      expect(token.length).toBeLessThanOrEqual(128);
    }
    expect(encodeTerm('plain')).toBe('plain');
    const counts = termCounts(keywordText(['a b', 'c', 'a b', 'c', 'c']));
    expect([...counts]).toStrictEqual([
      [encodeTerm('a b'), 2],
      ['c', 3],
    ]);
  });

  it('keeps statistics and rankings equal to SQLite through replacements, status changes and cube moves', async () => {
    const { neo, sqlite } = await pair();
    const fx = createFixtures({ prefix: `rnd${uniqueSuffix()}` });
    const random = createRandom(11);
    const cubes = [fx.id('c0'), fx.id('c1'), fx.id('c2')];
    const statuses: MemoryStatus[] = ['active', 'archived', 'invalidated'];
    const vocabulary = ['apple', 'pear', 'plum', 'kiwi', 'fig', 'lime', 'date', 'yuzu'];
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const text = () => Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(vocabulary)).join(' ');
    let items = Array.from({ length: 60 }, (_, i) => fx.item({ cubeId: pick(cubes), text: text(), ownerId: `o${i % 3}`, memoryType: i % 2 ? 'event' : 'long_term' }));
    await writeBoth([neo.graph, sqlite.graph], items);
    const filters: ItemFilter[] = [
      { cubeIds: [cubes[0] as string] },
      { cubeIds: cubes, statuses: ['active'] },
      { cubeIds: [cubes[1] as string, cubes[2] as string], statuses: ['archived', 'invalidated'] },
      { cubeIds: cubes, ownerId: 'o1' },
      { statuses: ['active'], memoryTypes: ['event'] },
    ];
    const termSets = [['apple'], ['pear', 'plum', 'missing'], vocabulary];
    for (let round = 0; round < 4; round += 1) {
      // Replace a third of the items: new text, status or cube (terms move between partitions).
      items = items.map((item) => {
        const roll = random();
        if (roll < 0.11) return { ...item, text: text(), version: item.version + 1 };
        if (roll < 0.22) return { ...item, status: pick(statuses), version: item.version + 1 };
        if (roll < 0.33) return { ...item, cubeId: pick(cubes), text: text(), version: item.version + 1 };
        return item;
      });
      await writeBoth([neo.graph, sqlite.graph], items);
      await expectSameKeywordAnswers(neo.graph, sqlite.graph, filters, termSets, 7);
    }
    // No term counter is left for a term no item of its partition holds any more.
    const counters = await neo.connection.query('test', 'MATCH (t:Term) WHERE t.ns = $ns AND t.cubeId IN $cubes RETURN t.cubeId AS cubeId, t.status AS status, t.term AS term, t.df AS df', {
      ns: namespace,
      cubes,
    });
    const expected = new Map<string, number>();
    for (const item of items) {
      for (const term of new Set(toItemWrite(item).terms)) {
        const key = `${item.cubeId}|${item.status}|${term}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    }
    expect(new Map(counters.map((row) => [`${String(row['cubeId'])}|${String(row['status'])}|${String(row['term'])}`, Number(row['df'])]))).toStrictEqual(expected);
    for (const cubeId of cubes) await neo.graph.deleteCube(cubeId);
  });

  it('matches terms with whitespace, query syntax, quotes, backslashes and long terms exactly', async () => {
    const { neo, sqlite } = await pair();
    const fx = createFixtures({ prefix: `odd${uniqueSuffix()}` });
    const cubeId = fx.id('cube');
    const odd = ['two words', 'AND', 'OR', 'kwText:apple', 'kwScope:x', '"quoted"', 'back\\slash', '*', 'wild?', '(paren', '%20', 'tab\there', 'x'.repeat(300), '東京', 'apple'];
    const items = odd.map((term, i) => fx.item({ cubeId, text: `item ${i}` }));
    // Each item holds its odd term (twice for even i) and 'apple'.
    const termsOf = (item: MemoryItem): string[] => {
      const i = items.indexOf(item);
      const term = odd[i] as string;
      return i % 2 === 0 ? [term, 'apple', term] : [term, 'apple'];
    };
    await writeBoth([neo.graph, sqlite.graph], items, termsOf);
    await expectSameKeywordAnswers(neo.graph, sqlite.graph, [{ cubeIds: [cubeId] }, { cubeIds: [cubeId], ownerId: items[0]?.ownerId as string }], [...odd.map((term) => [term]), odd], 20);
    const one = await neo.graph.keywordSearch({ weights: { 'two words': 1 }, k1: 1.2, b: 0.75, avgDocLength: 2.5, filter: { cubeIds: [cubeId] }, limit: 5 });
    expect(one.map((hit) => hit.id)).toStrictEqual([items[0]?.id]);
    await neo.graph.deleteCube(cubeId);
  });

  it('scores the full-text candidates exactly; with enough candidates the ranking is the exhaustive one', async () => {
    const fx = createFixtures({ prefix: `pool${uniqueSuffix()}` });
    const cubeId = fx.id('cube');
    const random = createRandom(5);
    const words = ['red', 'green', 'blue', 'cyan', 'teal', 'gold'];
    const items = Array.from({ length: 400 }, (_, i) => {
      const extra = words.filter(() => random() < 0.4);
      const filler = Array.from({ length: Math.floor(random() * 8) }, (_, k) => `w${k}`);
      return fx.item({ cubeId, text: ['common', ...extra, ...filler, i % 50 === 0 ? 'rare' : ''].join(' ') });
    });
    const exhaustive = await pair({ keywordCandidates: 1000 });
    await writeBoth([exhaustive.neo.graph, exhaustive.sqlite.graph], items);
    const filter = { cubeIds: [cubeId] };
    const stats = await exhaustive.sqlite.graph.keywordStats({ terms: ['common', ...words, 'rare'], filter });
    const weightsOf = (terms: string[]) => Object.fromEntries(terms.map((t) => [t, Math.log(1 + (stats.docCount - (stats.df[t] ?? 0) + 0.5) / ((stats.df[t] ?? 0) + 0.5))]));
    const query = (terms: string[], limit: number): KeywordQuery => ({ weights: weightsOf(terms), k1: 1.2, b: 0.75, avgDocLength: stats.totalLength / stats.docCount, filter, limit });
    // Every item matches 'common': 400 candidates are needed for the exhaustive answer.
    for (const terms of [['common', 'red', 'blue'], ['common', ...words], ['teal', 'gold', 'rare']]) {
      expect(await exhaustive.neo.graph.keywordSearch(query(terms, 30))).toStrictEqual(await exhaustive.sqlite.graph.keywordSearch(query(terms, 30)));
    }
    // A pool of 12 for 400 matching items: each hit is a real match with its exact score, in order.
    const small = createNeo4jStorage({ url, namespace, keywordCandidates: 12 });
    opened.push(small);
    await small.graph.setup();
    const all = new Map((await exhaustive.sqlite.graph.keywordSearch(query(['common', 'red', 'blue'], 400))).map((hit) => [hit.id, hit.score]));
    const hits = await small.graph.keywordSearch(query(['common', 'red', 'blue'], 3));
    expect(hits).toHaveLength(3);
    for (const hit of hits) expect(hit.score).toBe(all.get(hit.id));
    expect([...hits].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))).toStrictEqual(hits);
    // Fewer matching items (8 'rare') than candidates: exact even with the small pool.
    expect(await small.graph.keywordSearch(query(['rare'], 5))).toStrictEqual(await exhaustive.sqlite.graph.keywordSearch(query(['rare'], 5)));
    await exhaustive.neo.graph.deleteCube(cubeId);
  });

  it('answers filters over hundreds of cubes and queries of hundreds of terms like SQLite', async () => {
    const { neo, sqlite } = await pair();
    const fx = createFixtures({ prefix: `wide${uniqueSuffix()}` });
    const cubes = Array.from({ length: 5 }, (_, i) => fx.id(`c${i}`));
    const items = Array.from({ length: 40 }, (_, i) => fx.item({ cubeId: cubes[i % 5] as string, text: `alpha beta t${i % 13} t${(i * 7) % 17}` }));
    await writeBoth([neo.graph, sqlite.graph], items);
    // 300 cubes (x 1 status) exceed the scope tokens of one Lucene query: scoped by status, filtered in Cypher.
    const manyCubes = [...cubes, ...Array.from({ length: 295 }, (_, i) => fx.id(`empty${i}`))];
    const manyTerms = ['alpha', ...Array.from({ length: 600 }, (_, i) => `t${i}`)];
    await expectSameKeywordAnswers(neo.graph, sqlite.graph, [{ cubeIds: manyCubes, statuses: ['active'] }, { cubeIds: manyCubes }], [['alpha', 't3'], manyTerms], 25);
    for (const cubeId of cubes) await neo.graph.deleteCube(cubeId);
  });
});
