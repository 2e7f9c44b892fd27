import type { SQLInputValue, SQLOutputValue, StatementSync } from 'node:sqlite';
import { ValidationError } from '../../errors/validation-error.ts';
import type { KeywordQuery, KeywordStats, ScoredId } from '../../spec/graph-store.ts';
import type { ItemFilter } from '../../spec/search.ts';
import { compareStrings } from '../item-filter/compare-items.ts';
import { validateItemFilter } from '../item-filter/validate-item-filter.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { compileItemFilter, inJsonList } from './sqlite-filter-sql.ts';
import { dropIdleTtl } from './sqlite-ttl-scope.ts';

/*
 * Keyword index: `postings (term, ck, item_rid, tf, doc_length, status)`, clustered on
 * (term, cube key, item). When the filter only restricts cubes and statuses (the MOS's usual
 * search filter) the postings rows alone answer it; any other filter field joins `memory` by rowid.
 * BM25 is summed in JS in the order of the asked terms, with exactly the expression documented on
 * `KeywordQuery`, so scores are deterministic and equal to the reference to the last bit.
 */

/** Where postings rows come from for a filter, as SQL after `from ... postings p`. */
interface PostingsScope {
  /** Extra join (empty on the fast path). */
  join: string;
  /** Boolean expression over `p` (and `m` when joined). */
  where: string;
  params: SQLInputValue[];
  /** True when no item can match (e.g. none of the cubes has postings). */
  empty: boolean;
}

const FAST_FIELDS = new Set(['cubeIds', 'statuses', 'expiresAfter']);

function postingsScope(conn: SqliteConnection, filter: ItemFilter): PostingsScope {
  const fields = Object.entries(filter).filter(([, value]) => value !== undefined).map(([key]) => key);
  if (!fields.every((field) => FAST_FIELDS.has(field))) {
    const where = compileItemFilter(filter);
    return { join: 'cross join memory m on m.rid = p.item_rid', where: where.sql, params: where.params, empty: false };
  }
  const clauses: string[] = [];
  const params: SQLInputValue[] = [];
  if (filter.cubeIds !== undefined) {
    const keys = conn
      .statement(`select ck from cube_keys where ${inJsonList('cube_id')}`)
      .all(JSON.stringify(filter.cubeIds))
      .map((row) => Number(row['ck']));
    if (keys.length === 0) return { join: '', where: '0', params: [], empty: true };
    clauses.push(keys.length === 1 ? 'p.ck = ?' : inJsonList('p.ck'));
    params.push(keys.length === 1 ? (keys[0] as number) : JSON.stringify(keys));
  }
  if (filter.statuses !== undefined) {
    clauses.push(filter.statuses.length === 1 ? 'p.status = ?' : inJsonList('p.status'));
    params.push(filter.statuses.length === 1 ? (filter.statuses[0] as string) : JSON.stringify(filter.statuses));
  }
  if (filter.expiresAfter !== undefined) {
    // TTL: the items past their TTL are few (the sweep expires them), found through `memory_expires`.
    const cubes = filter.cubeIds === undefined ? '' : ` and ${inJsonList('cube_id')}`;
    const expired = conn
      .statement(`select rid from memory where expires_at is not null and expires_at <= ? and coalesce(pinned, 0) = 0${cubes}`)
      .all(filter.expiresAfter, ...(filter.cubeIds === undefined ? [] : [JSON.stringify(filter.cubeIds)]))
      .map((row) => Number(row['rid']));
    if (expired.length > 0) {
      clauses.push(`p.item_rid not in (select value from json_each(?))`);
      params.push(JSON.stringify(expired));
    }
  }
  return { join: '', where: clauses.length === 0 ? '1' : clauses.join(' and '), params, empty: false };
}

/** Corpus statistics (document count, total length, document frequencies) over the filter. */
export function keywordStats(conn: SqliteConnection, request: { terms: string[]; filter: ItemFilter }): KeywordStats {
  validateTerms(request.terms, 'terms');
  validateItemFilter(request.filter);
  const query = { ...request, filter: dropIdleTtl(conn, request.filter) };
  const where = compileItemFilter(query.filter);
  const totals = conn
    .statement(`select count(*) as n, coalesce(sum(m.doc_length), 0) as total from memory m where ${where.sql}`)
    .get(...where.params);
  const distinct = [...new Set(query.terms)];
  const df: Record<string, number> = {};
  for (const term of distinct) df[term] = 0;
  const scope = postingsScope(conn, query.filter);
  if (distinct.length > 0 && !scope.empty) {
    const sql =
      `select w.value as term, (select count(*) from postings p ${scope.join} where p.term = w.value and ${scope.where}) as df ` +
      `from json_each(?) w`;
    for (const row of conn.statement(sql).all(...scope.params, JSON.stringify(distinct))) {
      df[String(row['term'])] = Number(row['df']);
    }
  }
  return { docCount: Number(totals?.['n'] ?? 0), totalLength: Number(totals?.['total'] ?? 0), df };
}

/** BM25 top-`limit` over items matching the filter that contain a weighted term (score desc, id asc). */
export function keywordSearch(conn: SqliteConnection, request: KeywordQuery): ScoredId[] {
  validateKeywordQuery(request);
  const query = { ...request, filter: dropIdleTtl(conn, request.filter) };
  const terms = Object.keys(query.weights);
  if (terms.length === 0 || query.limit === 0) return [];
  const scope = postingsScope(conn, query.filter);
  if (scope.empty) return [];
  const weights = terms.map((term) => query.weights[term] ?? 0);
  const { k1, b, avgDocLength } = query;
  const sql =
    `select w.key as ti, p.item_rid as rid, p.tf as tf, p.doc_length as dl from json_each(?) w ` +
    `cross join postings p on p.term = w.value ${scope.join} where ${scope.where}`;
  const scores = new Map<number, number>();
  for (const row of allArrays(conn, sql, [JSON.stringify(terms), ...scope.params])) {
    const weight = weights[row[0] as number] ?? 0;
    const rid = row[1] as number;
    const tf = row[2] as number;
    const len = row[3] as number;
    const score = (weight * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * len) / avgDocLength));
    scores.set(rid, (scores.get(rid) ?? 0) + score);
  }
  return topByScore(conn, scores, query.limit);
}

/**
 * The best `limit` of `scores` (rid -> score) as scored ids, ties by id ascending. Only the
 * candidates that can make the cut (the top `limit` plus everything tied with the last) are
 * resolved to ids.
 */
function topByScore(conn: SqliteConnection, scores: Map<number, number>, limit: number): ScoredId[] {
  if (scores.size === 0) return [];
  const entries = [...scores].sort((x, y) => y[1] - x[1]);
  let cut = Math.min(limit, entries.length);
  const threshold = entries[cut - 1]?.[1];
  while (cut < entries.length && entries[cut]?.[1] === threshold) cut += 1;
  const candidates = entries.slice(0, cut);
  const ids = new Map<number, string>();
  const rows = conn
    .statement(`select rid, id from memory where ${inJsonList('rid')}`)
    .all(JSON.stringify(candidates.map(([rid]) => rid)));
  for (const row of rows) ids.set(Number(row['rid']), String(row['id']));
  return candidates
    .map(([rid, score]) => ({ id: ids.get(rid) ?? '', score }))
    .sort((x, y) => y.score - x.score || compareStrings(x.id, y.id))
    .slice(0, limit);
}

type ArrayRowStatement = StatementSync & { setReturnArrays?: (enabled: boolean) => void };
const arraysSupported = new WeakMap<StatementSync, boolean>();

/** Runs `sql` returning rows as arrays (node >= 24 `setReturnArrays`, else converted objects). */
function allArrays(conn: SqliteConnection, sql: string, params: SQLInputValue[]): SQLOutputValue[][] {
  const statement = conn.statement(sql) as ArrayRowStatement;
  let arrays = arraysSupported.get(statement);
  if (arrays === undefined) {
    arrays = typeof statement.setReturnArrays === 'function';
    if (arrays) statement.setReturnArrays?.(true);
    arraysSupported.set(statement, arrays);
  }
  const rows = statement.all(...params) as unknown[];
  return arrays ? (rows as SQLOutputValue[][]) : (rows as Record<string, SQLOutputValue>[]).map((row) => Object.values(row));
}

function validateTerms(terms: unknown, field: string): void {
  if (!Array.isArray(terms) || !terms.every((term) => typeof term === 'string')) {
    throw new ValidationError(field, 'must be an array of strings');
  }
}

function validateKeywordQuery(query: KeywordQuery): void {
  if (typeof query.weights !== 'object' || query.weights === null) throw new ValidationError('weights', 'must be an object');
  for (const [term, weight] of Object.entries(query.weights)) {
    if (typeof weight !== 'number' || !Number.isFinite(weight)) throw new ValidationError(`weights.${term}`, 'must be a finite number');
  }
  if (typeof query.k1 !== 'number' || !(query.k1 >= 0) || !Number.isFinite(query.k1)) {
    throw new ValidationError('k1', 'must be a finite number >= 0');
  }
  if (typeof query.b !== 'number' || !(query.b >= 0 && query.b <= 1)) throw new ValidationError('b', 'must be in [0, 1]');
  if (typeof query.avgDocLength !== 'number' || !(query.avgDocLength > 0) || !Number.isFinite(query.avgDocLength)) {
    throw new ValidationError('avgDocLength', 'must be a finite number > 0');
  }
  if (!Number.isSafeInteger(query.limit) || query.limit < 0) throw new ValidationError('limit', 'must be an integer >= 0');
  validateItemFilter(query.filter);
}
