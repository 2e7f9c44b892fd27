import type { KeywordQuery, KeywordStats, ScoredId } from '../../spec/graph-store.ts';
import { MEMORY_STATUSES } from '../../spec/memory-item.ts';
import type { ItemFilter } from '../../spec/search.ts';
import { compareStrings } from '../item-filter/compare-items.ts';
import { validateItemFilter } from '../item-filter/validate-item-filter.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import { compileItemFilter, matchItems, type CypherFilter } from './neo4j-filter-cypher.ts';
import { POSTING_SHIFT, scopeUid, termUid } from './neo4j-item-props.ts';
import { requireStrings, validateKeywordQuery } from './neo4j-validate.ts';

/*
 * Keyword (BM25) index as a graph, the Neo4j counterpart of SQLite's postings table. For every
 * (namespace, cube, status) partition there is one `:Term` node per term and one `:KeywordScope`
 * node counting the partition's items (`docCount`) and their terms (`totalLength`); each item has a
 * `HAS_TERM` posting to each of its distinct terms, carrying `tf * 2^24 + docLength`.
 *
 * When the filter only restricts cubes and statuses (the MOS's usual search filter), statistics are
 * O(partitions x terms): counters plus term-node degrees, which Neo4j keeps. Search expands the
 * postings of the asked terms (no item is read) and returns them per term as lists; BM25 is summed
 * here, in the order of the asked terms, with the very expression documented on `KeywordQuery`, so
 * scores equal the reference and SQLite to the last bit. Any other filter field reads the items the
 * postings lead to and applies the compiled filter to them.
 */

/** Filter fields the partitions alone answer. */
const FAST_FIELDS = new Set(['cubeIds', 'statuses']);

/** True when the partitions (cubes x statuses) alone decide which items match. */
function isFast(filter: ItemFilter): boolean {
  return filter.cubeIds !== undefined && Object.entries(filter).every(([key, value]) => value === undefined || FAST_FIELDS.has(key));
}

/**
 * Cypher selecting the `:Term` nodes of `terms` (as `t`, with `j` = index of the term in `terms`)
 * in the partitions the filter allows: by uid when the cubes are known, else by term (index) and namespace.
 */
function selectTerms(ns: string, terms: readonly string[], filter: ItemFilter): { cypher: string; params: Record<string, unknown> } {
  const statuses = filter.statuses === undefined ? MEMORY_STATUSES : [...new Set(filter.statuses)];
  if (filter.cubeIds !== undefined) {
    const cubes = [...new Set(filter.cubeIds)];
    const rows = terms.flatMap((term, j) => cubes.flatMap((cubeId) => statuses.map((status) => ({ uid: termUid(ns, cubeId, status, term), j }))));
    return { cypher: 'UNWIND $termRows AS r MATCH (t:Term {uid: r.uid}) WITH t, r.j AS j', params: { termRows: rows } };
  }
  const byStatus = filter.statuses === undefined ? '' : ' AND t.status IN $termStatuses';
  return {
    cypher: `UNWIND range(0, size($terms) - 1) AS j MATCH (t:Term) WHERE t.term = $terms[j] AND t.ns = $termNs${byStatus} WITH t, j`,
    params: { terms, termNs: ns, termStatuses: statuses },
  };
}

/** `WHERE` over the posting's item `m` (slow path only). */
function itemCondition(compiled: CypherFilter, fast: boolean): string {
  return fast ? '' : ` WHERE ${compiled.where}`;
}

/** Corpus statistics (document count, total length, document frequencies) over the filter. */
export async function keywordStats(conn: Neo4jConnection, query: { terms: string[]; filter: ItemFilter }): Promise<KeywordStats> {
  requireStrings(query.terms, 'terms');
  validateItemFilter(query.filter);
  const ns = conn.namespace;
  const { filter } = query;
  const distinct = [...new Set(query.terms)];
  const df: Record<string, number> = {};
  for (const term of distinct) df[term] = 0;
  const compiled = compileItemFilter(ns, filter);
  if (compiled.empty) return { docCount: 0, totalLength: 0, df };
  const fast = isFast(filter);
  const selection = selectTerms(ns, distinct, filter);
  let totals: string;
  let params: Record<string, unknown> = { ...selection.params };
  if (fast) {
    const cubes = [...new Set(filter.cubeIds)];
    const statuses = filter.statuses === undefined ? MEMORY_STATUSES : [...new Set(filter.statuses)];
    params['scopes'] = cubes.flatMap((cubeId) => statuses.map((status) => scopeUid(ns, cubeId, status)));
    totals = 'UNWIND $scopes AS su MATCH (s:KeywordScope {uid: su}) RETURN sum(s.docCount) AS n, sum(s.totalLength) AS total';
  } else {
    const match = matchItems(ns, filter);
    params = { ...params, ...match.params };
    totals = `${match.where} RETURN count(m) AS n, sum(m.docLength) AS total`;
  }
  // df: the term nodes' degrees (fast path), or the matching items the postings lead to.
  const dfPart = fast
    ? `${selection.cypher} WITH j, sum(COUNT { (t)<-[:HAS_TERM]-() }) AS df RETURN collect([j, df]) AS dfs`
    : `${selection.cypher} MATCH (t)<-[:HAS_TERM]-(m)${itemCondition(compiled, fast)} WITH j, count(*) AS df RETURN collect([j, df]) AS dfs`;
  const dfCypher = distinct.length === 0 ? 'RETURN [] AS dfs' : dfPart;
  const rows = await conn.query('keywordStats', `CALL () { ${totals} } CALL () { ${dfCypher} } RETURN n, total, dfs`, {
    ...params,
    ...(fast ? {} : compiled.params),
  });
  const row = rows[0];
  for (const [j, count] of (row?.['dfs'] as [number, number][] | undefined) ?? []) df[distinct[Number(j)] as string] = Number(count);
  return { docCount: Number(row?.['n'] ?? 0), totalLength: Number(row?.['total'] ?? 0), df };
}

/** BM25 top-`limit` over items matching the filter that contain a weighted term (score desc, id asc). */
export async function keywordSearch(conn: Neo4jConnection, query: KeywordQuery): Promise<ScoredId[]> {
  validateKeywordQuery(query);
  const terms = Object.keys(query.weights);
  if (terms.length === 0 || query.limit === 0) return [];
  const ns = conn.namespace;
  const compiled = compileItemFilter(ns, query.filter);
  if (compiled.empty) return [];
  const fast = isFast(query.filter);
  const selection = selectTerms(ns, terms, query.filter);
  // Postings per asked term: the items' internal ids and `tf * 2^24 + docLength` (no item property is read on the fast path).
  const rows = await conn.query(
    'keywordSearch',
    `${selection.cypher} MATCH (t)<-[p:HAS_TERM]-(m)${itemCondition(compiled, fast)} ` +
      'WITH j, collect(id(m)) AS nodes, collect(p.v) AS postings RETURN j, nodes, postings',
    { ...selection.params, ...(fast ? {} : compiled.params) },
  );
  const { k1, b, avgDocLength } = query;
  const scores = new Map<number, number>();
  // Terms in the asked order: each item's sum then adds its terms in that order, exactly like the reference.
  for (const row of rows.sort((x, y) => Number(x['j']) - Number(y['j']))) {
    const weight = query.weights[terms[Number(row['j'])] as string] ?? 0;
    const nodes = row['nodes'] as number[];
    const postings = row['postings'] as number[];
    for (let i = 0; i < nodes.length; i += 1) {
      const packed = postings[i] as number;
      const tf = Math.floor(packed / POSTING_SHIFT);
      const len = packed - tf * POSTING_SHIFT;
      const score = (weight * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * len) / avgDocLength));
      const node = nodes[i] as number;
      const current = scores.get(node);
      scores.set(node, current === undefined ? score : current + score);
    }
  }
  return topByScore(conn, scores, query.limit);
}

/**
 * The best `limit` of `scores` (internal node id -> score), ties by item id ascending. Only the
 * candidates that can make the cut (the top `limit` plus everything tied with the last) are
 * resolved to item ids, in one more query.
 */
async function topByScore(conn: Neo4jConnection, scores: Map<number, number>, limit: number): Promise<ScoredId[]> {
  if (scores.size === 0) return [];
  const entries = [...scores].sort((x, y) => y[1] - x[1]);
  let cut = Math.min(limit, entries.length);
  const threshold = entries[cut - 1]?.[1];
  while (cut < entries.length && entries[cut]?.[1] === threshold) cut += 1;
  const candidates = entries.slice(0, cut);
  const rows = await conn.query('keywordSearch', 'UNWIND $nodes AS n MATCH (m:Memory) WHERE id(m) = n RETURN n, m.id AS id', {
    nodes: candidates.map(([node]) => conn.neo4j.int(node)),
  });
  const ids = new Map<number, string>(rows.map((row) => [Number(row['n']), String(row['id'])]));
  return candidates
    .flatMap(([node, score]) => {
      const id = ids.get(node);
      return id === undefined ? [] : [{ id, score }];
    })
    .sort((x, y) => y.score - x.score || compareStrings(x.id, y.id))
    .slice(0, limit);
}
