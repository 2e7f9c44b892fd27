import type { ItemFilter } from '../../spec/search.ts';
import { metaKey, metaPair, uid } from './neo4j-item-props.ts';

/** A parameterised Cypher predicate over one `:Memory` node variable, and its parameters. */
export interface CypherFilter {
  /** Boolean expression (never empty; `true` when nothing restricts). */
  where: string;
  params: Record<string, unknown>;
  /** True when no item can match (an empty membership list): callers may skip the query. */
  empty: boolean;
}

/** Options of {@link compileItemFilter}. */
export interface CompileFilterOptions {
  /** Name of the node variable. Default `m`. */
  variable?: string;
  /** Prefix of the parameter names (keeps several filters in one query apart). Default `f_`. */
  prefix?: string;
}

/**
 * Compiles an {@link ItemFilter} into a Cypher predicate over a `:Memory` node of namespace `ns`,
 * with exactly the semantics of `matchesFilter` (storage/item-filter/matches-filter.ts):
 * membership lists with `IN`, tags with `any`/`all` over the `tags` list, metadata through the
 * node's `metaPairs` (`"key"=<JSON value>` of every non-null entry, so `1` never equals `'1'` or
 * `true`) and `metaKeys` (a `null` filter value matches a missing or null entry), timestamps as
 * ISO strings compared with `<`/`>=` (a missing `validAt` compares to null: excluded, as specified).
 * Every value is a parameter; the text depends only on which fields are set. Call
 * `validateItemFilter` first.
 */
export function compileItemFilter(ns: string, filter: ItemFilter, options: CompileFilterOptions = {}): CypherFilter {
  const v = options.variable ?? 'm';
  const p = options.prefix ?? 'f_';
  const clauses: string[] = [`${v}.ns = $${p}ns`];
  const params: Record<string, unknown> = { [`${p}ns`]: ns };
  let empty = false;
  const param = (name: string, value: unknown): string => {
    params[`${p}${name}`] = value;
    return `$${p}${name}`;
  };
  const list = (property: string, name: string, values: readonly string[] | undefined) => {
    if (values === undefined) return;
    if (values.length === 0) empty = true;
    clauses.push(values.length === 1 ? `${v}.${property} = ${param(name, values[0])}` : `${v}.${property} IN ${param(name, [...new Set(values)])}`);
  };
  if (filter.ids !== undefined) {
    if (filter.ids.length === 0) empty = true;
    clauses.push(`${v}.uid IN ${param('uids', [...new Set(filter.ids)].map((id) => uid(ns, id)))}`);
  }
  list('cubeId', 'cubeIds', filter.cubeIds);
  list('status', 'statuses', filter.statuses);
  list('memoryType', 'memoryTypes', filter.memoryTypes);
  if (filter.ownerId !== undefined) clauses.push(`${v}.ownerId = ${param('ownerId', filter.ownerId)}`);
  if (filter.sessionId !== undefined) clauses.push(`${v}.sessionId = ${param('sessionId', filter.sessionId)}`);
  if (filter.tagsAny !== undefined) {
    if (filter.tagsAny.length === 0) empty = true;
    clauses.push(`any(tag IN ${v}.tags WHERE tag IN ${param('tagsAny', filter.tagsAny)})`);
  }
  if (filter.tagsAll !== undefined && filter.tagsAll.length > 0) {
    clauses.push(`all(tag IN ${param('tagsAll', [...new Set(filter.tagsAll)])} WHERE tag IN ${v}.tags)`);
  }
  if (filter.metadata !== undefined) {
    Object.entries(filter.metadata).forEach(([key, value], i) => {
      clauses.push(
        value === null ? `NOT ${param(`metaKey${i}`, metaKey(key))} IN ${v}.metaKeys` : `${param(`metaPair${i}`, metaPair(key, value))} IN ${v}.metaPairs`,
      );
    });
  }
  const compare = (property: string, operator: '>=' | '<', name: string, value: string | undefined) => {
    if (value !== undefined) clauses.push(`${v}.${property} ${operator} ${param(name, value)}`);
  };
  compare('createdAt', '>=', 'createdFrom', filter.createdFrom);
  compare('createdAt', '<', 'createdTo', filter.createdTo);
  // A missing validAt compares to null, which WHERE treats as false: excluded, as specified.
  compare('validAt', '>=', 'validFrom', filter.validFrom);
  compare('validAt', '<', 'validTo', filter.validTo);
  if (filter.asOf !== undefined) {
    const at = param('asOf', filter.asOf);
    clauses.push(`(${v}.validAt IS NULL OR ${v}.validAt <= ${at})`, `(${v}.invalidAt IS NULL OR ${v}.invalidAt > ${at})`);
  }
  if (filter.knownAt !== undefined) {
    const at = param('knownAt', filter.knownAt);
    clauses.push(`${v}.createdAt <= ${at}`, `(${v}.expiredAt IS NULL OR ${v}.expiredAt > ${at})`);
  }
  return { where: clauses.join(' AND '), params, empty };
}

/**
 * `MATCH` + `WHERE` selecting the `:Memory` nodes of the filter as `v`: by `uid` (unique
 * constraint lookup) when the filter lists ids, else by label (the planner picks the range
 * indexes on cube, status, type, owner, times).
 */
export function matchItems(ns: string, filter: ItemFilter, options: CompileFilterOptions = {}): CypherFilter {
  const v = options.variable ?? 'm';
  const compiled = compileItemFilter(ns, filter, options);
  const label = filter.ids !== undefined ? `${v}:MemoryNode` : `${v}:Memory`;
  const extra = filter.ids !== undefined ? ` AND ${v}:Memory` : '';
  return { ...compiled, where: `MATCH (${label}) WHERE ${compiled.where}${extra}` };
}
