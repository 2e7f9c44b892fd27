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
 * ISO strings compared with `<`/`>=` (a missing `validAt` compares to null, which `WHERE` treats as
 * false: excluded, as specified).
 *
 * Every value is a parameter. Only the fields that pick an index (`ids`, `cubeIds`, `statuses`)
 * change the text; every other field is a fixed `($p IS NULL OR ...)` test, so all filters share
 * a handful of query texts and Neo4j plans each once (planning costs more than running here).
 * Call `validateItemFilter` first.
 */
export function compileItemFilter(ns: string, filter: ItemFilter, options: CompileFilterOptions = {}): CypherFilter {
  const v = options.variable ?? 'm';
  const p = options.prefix ?? 'f_';
  const params: Record<string, unknown> = { [`${p}ns`]: ns };
  const clauses: string[] = [`${v}.ns = $${p}ns`];
  const set = (name: string, value: unknown): string => {
    params[`${p}${name}`] = value === undefined ? null : value;
    return `$${p}${name}`;
  };
  // Index-picking fields: present only when set.
  if (filter.ids !== undefined) clauses.push(`${v}.uid IN ${set('uids', [...new Set(filter.ids)].map((id) => uid(ns, id)))}`);
  if (filter.cubeIds !== undefined) clauses.push(`${v}.cubeId IN ${set('cubeIds', [...new Set(filter.cubeIds)])}`);
  if (filter.statuses !== undefined) clauses.push(`${v}.status IN ${set('statuses', [...new Set(filter.statuses)])}`);
  // Everything else: the same text whatever is set.
  const optional = (name: string, value: unknown, test: (param: string) => string) => {
    const param = set(name, value);
    clauses.push(`(${param} IS NULL OR ${test(param)})`);
  };
  optional('memoryTypes', filter.memoryTypes, (x) => `${v}.memoryType IN ${x}`);
  optional('ownerId', filter.ownerId, (x) => `${v}.ownerId = ${x}`);
  optional('sessionId', filter.sessionId, (x) => `${v}.sessionId = ${x}`);
  optional('tagsAny', filter.tagsAny, (x) => `any(tag IN ${v}.tags WHERE tag IN ${x})`);
  optional('tagsAll', filter.tagsAll, (x) => `all(tag IN ${x} WHERE tag IN ${v}.tags)`);
  const entries = Object.entries(filter.metadata ?? {});
  const pairs = entries.flatMap(([key, value]) => (value === null ? [] : [metaPair(key, value)]));
  const nullKeys = entries.flatMap(([key, value]) => (value === null ? [metaKey(key)] : []));
  clauses.push(`all(pair IN ${set('metaPairs', pairs)} WHERE pair IN ${v}.metaPairs)`);
  clauses.push(`none(key IN ${set('metaNullKeys', nullKeys)} WHERE key IN ${v}.metaKeys)`);
  optional('createdFrom', filter.createdFrom, (x) => `${v}.createdAt >= ${x}`);
  optional('createdTo', filter.createdTo, (x) => `${v}.createdAt < ${x}`);
  optional('validFrom', filter.validFrom, (x) => `${v}.validAt >= ${x}`);
  optional('validTo', filter.validTo, (x) => `${v}.validAt < ${x}`);
  // An item without validAt holds from when it was recorded.
  optional('asOf', filter.asOf, (x) => `coalesce(${v}.validAt, ${v}.createdAt) <= ${x} AND (${v}.invalidAt IS NULL OR ${v}.invalidAt > ${x})`);
  optional('knownAt', filter.knownAt, (x) => `${v}.createdAt <= ${x} AND (${v}.expiredAt IS NULL OR ${v}.expiredAt > ${x})`);
  optional('expiresAfter', filter.expiresAfter, (x) => `(${v}.expiresAt IS NULL OR ${v}.expiresAt > ${x} OR ${v}.pinned = true)`);
  optional('expiredBy', filter.expiredBy, (x) => `${v}.expiresAt <= ${x} AND coalesce(${v}.pinned, false) = false`);
  const empty = [filter.ids, filter.cubeIds, filter.statuses, filter.memoryTypes, filter.tagsAny].some((list) => list !== undefined && list.length === 0);
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
