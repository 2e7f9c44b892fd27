import type { SQLInputValue } from 'node:sqlite';
import type { MetadataValue } from '../../spec/memory-item.ts';
import type { ItemFilter } from '../../spec/search.ts';

/** A parameterised SQL boolean expression and its positional parameters, in order. */
export interface SqlFragment {
  sql: string;
  params: SQLInputValue[];
}

/** SQL membership test of a column in a JSON array parameter: one `?` whatever the list size. */
export function inJsonList(column: string): string {
  return `${column} in (select value from json_each(?))`;
}

/** Options of {@link compileItemFilter}. */
export interface CompileFilterOptions {
  /** Alias of the `memory` table in the query. Default `m`. */
  alias?: string;
  /** The query also restricts `id` to a list: plan by id lookups (implied when `filter.ids` is set). */
  byIds?: boolean;
}

/**
 * Compiles an {@link ItemFilter} into a WHERE expression over the `memory` table aliased `alias`,
 * with exactly the semantics of `matchesFilter` (see `storage/item-filter/matches-filter.ts`).
 *
 * Every user value is a bound parameter: lists travel as one JSON array parameter read with
 * `json_each(?)` (one-element lists as `= ?`, which SQLite plans better), so the SQL text depends
 * only on which fields are set, list lengths of one, and metadata value types: the prepared-statement
 * cache stays small. Call `validateItemFilter` first.
 */
export function compileItemFilter(filter: ItemFilter, options: CompileFilterOptions = {}): SqlFragment {
  const alias = options.alias ?? 'm';
  const clauses: string[] = [];
  const params: SQLInputValue[] = [];
  // With ids to look up, a unary `+` keeps SQLite from preferring the (cube_id, status, ...) index
  // scan over the id lookups (without statistics it would, and scan the whole cube).
  const byIds = filter.ids !== undefined || options.byIds === true;
  const col = (column: string) => (byIds && column !== 'id' ? `+${alias}.${column}` : `${alias}.${column}`);
  const list = (column: string, values: readonly string[] | undefined) => {
    if (values === undefined) return;
    if (values.length === 1) {
      // Equality lets SQLite use the (cube_id, status, created_at, ...) indexes for order and range.
      clauses.push(`${col(column)} = ?`);
      params.push(values[0] as string);
      return;
    }
    clauses.push(inJsonList(col(column)));
    params.push(JSON.stringify(values));
  };
  list('id', filter.ids);
  list('cube_id', filter.cubeIds);
  list('status', filter.statuses);
  list('memory_type', filter.memoryTypes);
  if (filter.ownerId !== undefined) {
    clauses.push(`${col('owner_id')} = ?`);
    params.push(filter.ownerId);
  }
  if (filter.sessionId !== undefined) {
    clauses.push(`${col('session_id')} = ?`);
    params.push(filter.sessionId);
  }
  if (filter.tagsAny !== undefined) {
    clauses.push(`exists (select 1 from json_each(${alias}.tags) t where ${inJsonList('t.value')})`);
    params.push(JSON.stringify(filter.tagsAny));
  }
  if (filter.tagsAll !== undefined && filter.tagsAll.length > 0) {
    const distinct = [...new Set(filter.tagsAll)];
    clauses.push(`(select count(distinct t.value) from json_each(${alias}.tags) t where ${inJsonList('t.value')}) = ?`);
    params.push(JSON.stringify(distinct), distinct.length);
  }
  if (filter.metadata !== undefined) {
    for (const [key, value] of Object.entries(filter.metadata)) {
      const clause = metadataClause(alias, value);
      clauses.push(clause.sql);
      params.push(key, ...clause.params);
    }
  }
  const compare = (column: string, operator: '>=' | '<', value: string | undefined) => {
    if (value === undefined) return;
    clauses.push(`${col(column)} ${operator} ?`);
    params.push(value);
  };
  compare('created_at', '>=', filter.createdFrom);
  compare('created_at', '<', filter.createdTo);
  // NULL valid_at compares to NULL (false): items without validAt are excluded, as specified.
  compare('valid_at', '>=', filter.validFrom);
  compare('valid_at', '<', filter.validTo);
  if (filter.asOf !== undefined) {
    // An item without validAt holds from when it was recorded.
    clauses.push(`coalesce(${alias}.valid_at, ${alias}.created_at) <= ? and (${alias}.invalid_at is null or ${alias}.invalid_at > ?)`);
    params.push(filter.asOf, filter.asOf);
  }
  if (filter.knownAt !== undefined) {
    clauses.push(`${col('created_at')} <= ? and (${alias}.expired_at is null or ${alias}.expired_at > ?)`);
    params.push(filter.knownAt, filter.knownAt);
  }
  if (filter.expiresAfter !== undefined) {
    clauses.push(`${alias}.expires_at is null or ${alias}.expires_at > ? or ${alias}.pinned = 1`);
    params.push(filter.expiresAfter);
  }
  if (filter.expiredBy !== undefined) {
    // `expires_at is not null` lets SQLite use the partial index memory_expires.
    clauses.push(`${alias}.expires_at is not null and ${alias}.expires_at <= ? and coalesce(${alias}.pinned, 0) = 0`);
    params.push(filter.expiredBy);
  }
  return { sql: clauses.length === 0 ? '1' : clauses.map((clause) => `(${clause})`).join(' and '), params };
}

/** One metadata key's test; the key is the first parameter, the value (if any) follows. */
function metadataClause(alias: string, value: MetadataValue): SqlFragment {
  const entry = (test: string) => `exists (select 1 from json_each(${alias}.metadata) j where j.key = ? and ${test})`;
  if (value === null) {
    return { sql: `not exists (select 1 from json_each(${alias}.metadata) j where j.key = ? and j.type <> 'null')`, params: [] };
  }
  switch (typeof value) {
    case 'string':
      return { sql: entry(`j.type = 'text' and j.value = ?`), params: [value] };
    case 'number':
      return { sql: entry(`j.type in ('integer', 'real') and j.value = ?`), params: [value] };
    default:
      return { sql: entry(value ? `j.type = 'true'` : `j.type = 'false'`), params: [] };
  }
}
