import type { KeywordQuery, KeywordStats, ScoredId } from '../../spec/graph-store.ts';
import type { ItemFilter } from '../../spec/search.ts';
import { compareStrings } from '../item-filter/compare-items.ts';
import { validateItemFilter } from '../item-filter/validate-item-filter.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import { compileItemFilter, matchItems } from './neo4j-filter-cypher.ts';
import { cubeToken, namespaceToken, statusToken, termToken } from './neo4j-item-props.ts';
import { KEYWORD_INDEX } from './neo4j-schema.ts';
import { requireStrings, validateKeywordQuery } from './neo4j-validate.ts';

/*
 * Keyword (BM25) signal without a postings table. Each `:Memory` node stores its distinct BM25
 * terms (`terms`), their counts (`tfs`, parallel) and `docLength`; the full-text index
 * `memos_memory_keyword` (whitespace analyzer: tokens verbatim) covers `termText` (the distinct
 * terms as tokens) and `scopeText` (namespace, cube and status tokens). A Lucene query
 * `termText:(...) AND scopeText:(cubes) AND scopeText:(statuses)` finds the candidates of the usual
 * search filter inside Lucene; the exact filter then runs in Cypher and BM25 is computed in Cypher
 * from `terms`/`tfs`, summing in the order of the asked terms with the very expression of
 * `KeywordQuery`, so scores equal the reference (and SQLite) to the last bit. Lucene's own scores
 * are never used.
 */

/** Term tokens per Lucene query (Lucene caps a query at 1024 clauses). */
const TERMS_PER_QUERY = 500;
/** Above this many cubes the Lucene query restricts by namespace only (the Cypher filter still applies). */
const MAX_CUBE_TOKENS = 256;

/**
 * The Lucene queries (one per chunk of terms) whose union holds every item of `ns` matching
 * `filter` that contains one of `terms`; empty when nothing can match. Tokens are letters, digits
 * and `_` only, quoted, so no Lucene syntax can come from a term.
 */
export function luceneQueries(ns: string, terms: readonly string[], filter: ItemFilter): string[] {
  const tokens = [...new Set(terms.map(termToken))];
  if (tokens.length === 0) return [];
  const scope: string[] = [];
  if (filter.cubeIds !== undefined && filter.cubeIds.length === 0) return [];
  if (filter.cubeIds !== undefined && filter.cubeIds.length <= MAX_CUBE_TOKENS) {
    scope.push(`scopeText:(${[...new Set(filter.cubeIds)].map((cubeId) => cubeToken(ns, cubeId)).join(' OR ')})`);
  } else {
    scope.push(`scopeText:${namespaceToken(ns)}`);
  }
  if (filter.statuses !== undefined) {
    if (filter.statuses.length === 0) return [];
    scope.push(`scopeText:(${[...new Set(filter.statuses)].map(statusToken).join(' OR ')})`);
  }
  const queries: string[] = [];
  for (let i = 0; i < tokens.length; i += TERMS_PER_QUERY) {
    const chunk = tokens.slice(i, i + TERMS_PER_QUERY).map((token) => `"${token}"`);
    queries.push([`termText:(${chunk.join(' OR ')})`, ...scope].join(' AND '));
  }
  return queries;
}

/** The candidates of {@link luceneQueries} as `m`, filtered exactly (Cypher prefix of a query). */
function candidates(ns: string, filter: ItemFilter, terms: readonly string[]) {
  const compiled = compileItemFilter(ns, filter);
  const queries = luceneQueries(ns, terms, filter);
  return {
    empty: compiled.empty || queries.length === 0,
    cypher:
      'UNWIND $queries AS q CALL db.index.fulltext.queryNodes($index, q) YIELD node ' +
      `WITH DISTINCT node AS m WHERE ${compiled.where}`,
    params: { ...compiled.params, queries, index: KEYWORD_INDEX },
  };
}

/** Corpus statistics (document count, total length, document frequencies) over the filter. */
export async function keywordStats(conn: Neo4jConnection, query: { terms: string[]; filter: ItemFilter }): Promise<KeywordStats> {
  requireStrings(query.terms, 'terms');
  validateItemFilter(query.filter);
  const ns = conn.namespace;
  const distinct = [...new Set(query.terms)];
  const df: Record<string, number> = {};
  for (const term of distinct) df[term] = 0;
  const match = matchItems(ns, query.filter);
  if (match.empty) return { docCount: 0, totalLength: 0, df };
  const found = candidates(ns, query.filter, distinct);
  // One statement (one snapshot, one round trip): totals over the filter, df over the candidates.
  const dfPart = found.empty
    ? 'RETURN [] AS dfs'
    : `${found.cypher} UNWIND [t IN m.terms WHERE t IN $terms] AS t WITH t, count(*) AS df RETURN collect([t, df]) AS dfs`;
  const rows = await conn.query(
    'keywordStats',
    `CALL () { ${match.where} RETURN count(m) AS n, sum(m.docLength) AS total } CALL () { ${dfPart} } RETURN n, total, dfs`,
    { ...match.params, ...found.params, terms: distinct },
  );
  const row = rows[0];
  for (const [term, count] of (row?.['dfs'] as [string, number][] | undefined) ?? []) df[String(term)] = Number(count);
  return { docCount: Number(row?.['n'] ?? 0), totalLength: Number(row?.['total'] ?? 0), df };
}

/** BM25 top-`limit` over items matching the filter that contain a weighted term (score desc, id asc). */
export async function keywordSearch(conn: Neo4jConnection, query: KeywordQuery): Promise<ScoredId[]> {
  validateKeywordQuery(query);
  const terms = Object.keys(query.weights);
  if (terms.length === 0 || query.limit === 0) return [];
  const found = candidates(conn.namespace, query.filter, terms);
  if (found.empty) return [];
  const params = {
    ...found.params,
    qterms: terms,
    qweights: terms.map((term) => query.weights[term] ?? 0),
    k1: query.k1,
    b: query.b,
    avg: query.avgDocLength,
    limit: conn.neo4j.int(query.limit),
  };
  // tf per asked term (0 when absent), then the KeywordQuery expression summed in the asked order.
  const cypher =
    `${found.cypher} ` +
    'WITH m, [j IN range(0, size($qterms) - 1) | coalesce(head([i IN range(0, size(m.terms) - 1) WHERE m.terms[i] = $qterms[j] | m.tfs[i]]), 0)] AS tf ' +
    'WHERE any(x IN tf WHERE x > 0) ' +
    'WITH m.id AS id, reduce(s = 0.0, j IN range(0, size(tf) - 1) | CASE WHEN tf[j] > 0 ' +
    'THEN s + $qweights[j] * tf[j] * ($k1 + 1) / (tf[j] + $k1 * (1 - $b + $b * m.docLength / $avg)) ELSE s END) AS score ' +
    'RETURN id, score ORDER BY score DESC, id ASC LIMIT $limit';
  const hits = (await conn.query('keywordSearch', cypher, params)).map((row) => ({ id: String(row['id']), score: Number(row['score']) }));
  // Neo4j already ordered them; re-sort with the reference comparator (code-unit id order) to be exact.
  return hits.sort((x, y) => y.score - x.score || compareStrings(x.id, y.id));
}
