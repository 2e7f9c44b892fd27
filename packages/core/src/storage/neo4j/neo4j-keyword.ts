import type { KeywordQuery, KeywordStats, ScoredId } from '../../spec/graph-store.ts';
import { MEMORY_STATUSES } from '../../spec/memory-item.ts';
import type { ItemFilter } from '../../spec/search.ts';
import { compareStrings } from '../item-filter/compare-items.ts';
import { validateItemFilter } from '../item-filter/validate-item-filter.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import { compileItemFilter, matchItems } from './neo4j-filter-cypher.ts';
import { dropIdleTtl } from './neo4j-ttl-scope.ts';
import { scopeUid, termUid } from './neo4j-item-props.ts';
import {
  KEYWORD_INDEX,
  MAX_QUERY_TERMS,
  MAX_SCOPE_TOKENS,
  encodeTerm,
  luceneQuery,
  namespaceToken,
  partitionToken,
  statusToken,
  termCounts,
} from './neo4j-keyword-text.ts';
import { requireStrings, validateKeywordQuery } from './neo4j-validate.ts';

/*
 * Keyword (BM25) search on Neo4j: Neo4j's own full-text index (Lucene) finds the candidates, and
 * the core's BM25 scores them exactly.
 *
 * Every `:Memory` node carries `kwText` (its BM25 terms, space-separated), `kwScope` (tokens of its
 * namespace, (namespace, status) and (namespace, cube, status) partition) and `docLength`; the
 * full-text index `memos_keyword` (whitespace analyzer) indexes `kwText` and `kwScope`. Statistics
 * live in counters: a `:KeywordScope` node per partition (`docCount`, `totalLength`) and a `:Term`
 * node per term and partition (`df`), kept by every write in the same transaction.
 *
 * Search asks Lucene (block-max WAND, so a common term costs little) for the best
 * `max(keywordCandidates, 4 * limit)` items of the partitions that contain a query term, then
 * scores those with the expression documented on `KeywordQuery`, summing in the order of the asked
 * terms, so scores equal SQLite's to the last bit. When Lucene returns fewer candidates than asked
 * for, every matching item was scored and the result is exactly SQLite's; beyond that, an item
 * must be among Lucene's candidates to be ranked (Lucene ranks with its own BM25 over the whole
 * index: the same k1/b, index-wide idf, lengths rounded to a byte). Measured (bench/locomo.ts,
 * cubes of ~600 turns): 99.4% of the questions got the exhaustive BM25 top 20 with the default
 * pool, and 100% with a pool above the cube size; on the 100k-item scale corpus, the same top 50.
 *
 * Statistics are exact: with a filter of cubes and statuses only (the MOS's usual search filter)
 * they are read from the counters; any other filter counts the matching items.
 */

/** Filter fields the partitions alone answer. */
const FAST_FIELDS = new Set(['cubeIds', 'statuses']);

/** Most (term, partition) counters read one by one; beyond, the terms' counters are scanned by term. */
const MAX_TERM_LOOKUPS = 20_000;

/** Default least number of candidates Lucene proposes per search. */
export const DEFAULT_KEYWORD_CANDIDATES = 250;

/** True when the partitions (cubes x statuses) alone decide which items match. */
function isFast(filter: ItemFilter): boolean {
  return filter.cubeIds !== undefined && Object.entries(filter).every(([key, value]) => value === undefined || FAST_FIELDS.has(key));
}

function statusesOf(filter: ItemFilter): string[] {
  return filter.statuses === undefined ? [...MEMORY_STATUSES] : [...new Set(filter.statuses)];
}

/**
 * The `kwScope` tokens a query asks for, and whether they alone decide the filter (else the
 * compiled Cypher filter runs on Lucene's hits): the partitions' tokens when the cubes are listed
 * (and few enough), else the statuses' tokens, else the namespace's.
 */
function scopeTokens(ns: string, filter: ItemFilter): { tokens: string[]; exact: boolean } {
  const statuses = statusesOf(filter);
  if (filter.cubeIds !== undefined) {
    const cubes = [...new Set(filter.cubeIds)];
    if (cubes.length * statuses.length <= MAX_SCOPE_TOKENS) {
      return { tokens: cubes.flatMap((cubeId) => statuses.map((status) => partitionToken(ns, cubeId, status))), exact: isFast(filter) };
    }
  }
  if (filter.statuses !== undefined) return { tokens: statuses.map((status) => statusToken(ns, status)), exact: false };
  return { tokens: [namespaceToken(ns)], exact: false };
}

/** Corpus statistics (document count, total length, document frequencies) over the filter. */
export async function keywordStats(conn: Neo4jConnection, query: { terms: string[]; filter: ItemFilter }): Promise<KeywordStats> {
  requireStrings(query.terms, 'terms');
  validateItemFilter(query.filter);
  const ns = conn.namespace;
  const filter = await dropIdleTtl(conn, query.filter);
  const distinct = [...new Set(query.terms)];
  const df: Record<string, number> = {};
  for (const term of distinct) df[term] = 0;
  const compiled = compileItemFilter(ns, filter);
  if (compiled.empty) return { docCount: 0, totalLength: 0, df };
  let totals: string;
  let dfPart: string;
  let params: Record<string, unknown>;
  if (isFast(filter)) {
    // Counters only: partitions x terms lookups by uid, or (when that is many) the terms' counters filtered by partition.
    const cubes = [...new Set(filter.cubeIds)];
    const statuses = statusesOf(filter);
    const partitions = cubes.flatMap((cubeId) => statuses.map((status) => ({ cubeId, status })));
    params = { scopes: partitions.map((p) => scopeUid(ns, p.cubeId, p.status)) };
    totals = 'UNWIND $scopes AS su MATCH (s:KeywordScope {uid: su}) RETURN sum(s.docCount) AS n, sum(s.totalLength) AS total';
    if (partitions.length * distinct.length <= MAX_TERM_LOOKUPS) {
      params['termRows'] = distinct.flatMap((term, j) => partitions.map((p) => ({ uid: termUid(ns, p.cubeId, p.status, encodeTerm(term)), j })));
      dfPart = 'UNWIND $termRows AS r MATCH (t:Term {uid: r.uid}) WITH r.j AS j, sum(t.df) AS df RETURN collect([j, df]) AS dfs';
    } else {
      Object.assign(params, { termNs: ns, encodedTerms: distinct.map(encodeTerm), termCubes: cubes, termStatuses: statuses });
      dfPart =
        'UNWIND range(0, size($encodedTerms) - 1) AS j MATCH (t:Term) WHERE t.term = $encodedTerms[j] AND t.ns = $termNs ' +
        'AND t.cubeId IN $termCubes AND t.status IN $termStatuses WITH j, sum(t.df) AS df RETURN collect([j, df]) AS dfs';
    }
  } else {
    // Any other filter: count the matching items (those holding each term come from the full-text index).
    const match = matchItems(ns, filter);
    const scope = scopeTokens(ns, filter);
    // match.params holds the compiled filter's parameters (same prefix) used by both subqueries.
    params = { ...match.params, index: KEYWORD_INDEX, queries: distinct.map((term) => luceneQuery(scope.tokens, [encodeTerm(term)])) };
    totals = `${match.where} RETURN count(m) AS n, sum(m.docLength) AS total`;
    dfPart =
      'UNWIND range(0, size($queries) - 1) AS j CALL (j) { CALL db.index.fulltext.queryNodes($index, $queries[j]) YIELD node AS m ' +
      `WHERE ${compiled.where} RETURN count(m) AS df } RETURN collect([j, df]) AS dfs`;
  }
  const dfCypher = distinct.length === 0 ? 'RETURN [] AS dfs' : dfPart;
  const rows = await conn.query('keywordStats', `CALL () { ${totals} } CALL () { ${dfCypher} } RETURN n, total, dfs`, params);
  const row = rows[0];
  for (const [j, count] of (row?.['dfs'] as [number, number][] | undefined) ?? []) df[distinct[Number(j)] as string] = Number(count);
  return { docCount: Number(row?.['n'] ?? 0), totalLength: Number(row?.['total'] ?? 0), df };
}

/**
 * BM25 top-`limit` over items matching the filter that contain a weighted term (score desc, id
 * asc): Lucene proposes at least `candidates` items, scored here exactly (see the module comment).
 */
export async function keywordSearch(conn: Neo4jConnection, request: KeywordQuery, candidates = DEFAULT_KEYWORD_CANDIDATES): Promise<ScoredId[]> {
  validateKeywordQuery(request);
  const query = { ...request, filter: await dropIdleTtl(conn, request.filter) };
  const terms = Object.keys(query.weights);
  if (terms.length === 0 || query.limit === 0) return [];
  const ns = conn.namespace;
  const compiled = compileItemFilter(ns, query.filter);
  if (compiled.empty) return [];
  const encoded = terms.map(encodeTerm);
  // Lucene caps the clauses of one query: the best-weighted terms find the candidates, all of them score.
  const asked =
    terms.length <= MAX_QUERY_TERMS
      ? encoded
      : terms
          .map((term, j) => ({ j, weight: query.weights[term] as number }))
          .sort((x, y) => y.weight - x.weight || x.j - y.j)
          .slice(0, MAX_QUERY_TERMS)
          .map(({ j }) => encoded[j] as string);
  const scope = scopeTokens(ns, query.filter);
  const pool = conn.neo4j.int(Math.max(candidates, 4 * query.limit));
  const params = { index: KEYWORD_INDEX, q: luceneQuery(scope.tokens, asked), pool };
  const returned = 'RETURN m.id AS id, m.kwText AS kwText, m.docLength AS docLength';
  const rows = scope.exact
    ? await conn.query('keywordSearch', `CALL db.index.fulltext.queryNodes($index, $q, {limit: $pool}) YIELD node AS m ${returned}`, params)
    : await conn.query(
        'keywordSearch',
        `CALL db.index.fulltext.queryNodes($index, $q) YIELD node AS m WHERE ${compiled.where} WITH m LIMIT $pool ${returned}`,
        { ...params, ...compiled.params },
      );
  const { k1, b, avgDocLength } = query;
  const scored: ScoredId[] = [];
  for (const row of rows) {
    const counts = termCounts(row['kwText'] as string | null);
    const len = Number(row['docLength'] ?? 0);
    let score: number | undefined;
    // Terms in the asked order: each item's sum adds its terms in that order, exactly like the reference.
    for (let j = 0; j < terms.length; j += 1) {
      const tf = counts.get(encoded[j] as string);
      if (tf === undefined) continue;
      const weight = query.weights[terms[j] as string] as number;
      const part = (weight * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * len) / avgDocLength));
      score = score === undefined ? part : score + part;
    }
    if (score !== undefined) scored.push({ id: String(row['id']), score });
  }
  return scored.sort((x, y) => y.score - x.score || compareStrings(x.id, y.id)).slice(0, query.limit);
}
