import type { MatchCondition } from '@langchain/langgraph-checkpoint';

const OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin']);

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.keys(value).every((key) => OPERATORS.has(key));
}

/**
 * One filter condition on a top-level value field, with LangGraph's semantics (the same rules as
 * its `InMemoryStore`): a plain value is strict equality; an operator object (`$eq`, `$ne`, `$gt`,
 * `$gte`, `$lt`, `$lte`, `$in`, `$nin`) must satisfy every operator; comparisons are numeric.
 */
export function matchesCondition(actual: unknown, expected: unknown): boolean {
  if (!isOperatorObject(expected)) return actual === expected;
  return Object.entries(expected).every(([op, value]) => {
    switch (op) {
      case '$eq':
        return actual === value;
      case '$ne':
        return actual !== value;
      case '$gt':
        return Number(actual) > Number(value);
      case '$gte':
        return Number(actual) >= Number(value);
      case '$lt':
        return Number(actual) < Number(value);
      case '$lte':
        return Number(actual) <= Number(value);
      case '$in':
        return Array.isArray(value) ? value.includes(actual) : false;
      case '$nin':
        return Array.isArray(value) ? !value.includes(actual) : true;
      default:
        return false;
    }
  });
}

/** True when a value satisfies every condition of a store filter (an absent filter matches everything). */
export function matchesValueFilter(value: Record<string, unknown>, filter: Record<string, unknown> | undefined): boolean {
  if (filter === undefined) return true;
  return Object.entries(filter).every(([field, expected]) => matchesCondition(value[field], expected));
}

/** True when a namespace satisfies a `listNamespaces` prefix/suffix condition (`*` matches any label). */
export function matchesNamespace(condition: MatchCondition, namespace: readonly string[]): boolean {
  const { path } = condition;
  if (path.length > namespace.length) return false;
  const offset = condition.matchType === 'suffix' ? namespace.length - path.length : 0;
  return path.every((label, i) => label === '*' || namespace[offset + i] === label);
}

/**
 * `listNamespaces` over a set of namespaces: match conditions, `maxDepth` truncation (deduplicated),
 * then sorted (by the `:`-joined path, as LangGraph's stores do) and paginated.
 */
export function listNamespaces(namespaces: ReadonlyArray<readonly string[]>, op: { matchConditions?: MatchCondition[]; maxDepth?: number; limit?: number; offset?: number }): string[][] {
  let result = namespaces.filter((ns) => (op.matchConditions ?? []).every((c) => matchesNamespace(c, ns))).map((ns) => [...ns]);
  if (op.maxDepth !== undefined) {
    const depth = op.maxDepth;
    result = [...new Map(result.map((ns) => ns.slice(0, depth)).map((ns) => [JSON.stringify(ns), ns])).values()];
  }
  result.sort((a, b) => a.join(':').localeCompare(b.join(':')));
  const offset = op.offset ?? 0;
  return result.slice(offset, offset + (op.limit ?? result.length));
}
