import { createHash } from 'node:crypto';

/*
 * The text side of the Neo4j keyword index: how an item's BM25 terms become the `kwText` and
 * `kwScope` properties that the full-text index `memos_keyword` (Lucene, whitespace analyzer)
 * indexes, and how a query becomes a Lucene query string. Nothing here reaches Cypher text: the
 * query string is a parameter of `db.index.fulltext.queryNodes`.
 */

/** Name of the full-text index over `kwText` and `kwScope` of `:Memory` nodes. */
export const KEYWORD_INDEX = 'memos_keyword';

/**
 * Longest term (UTF-16 code units, after escaping) stored as itself: Lucene's whitespace tokenizer
 * splits tokens longer than 255 characters, so longer terms are stored as a hash of themselves.
 */
const MAX_PLAIN_TERM = 128;

/** Characters that would split a token (whitespace as Java and JavaScript see it) or clash with the escape. */
const UNSAFE = /[%\s\u001c-\u001f]/gu;

/**
 * The form of a BM25 term in `kwText` (and in `:Term` uids): the term itself when it is short and
 * holds no whitespace; otherwise an injective escape (`%<hex>;` per unsafe character), and a SHA-1
 * (`#<hex>`) when that is still too long. Query terms go through the same function, so matching
 * and term frequencies are exact.
 */
export function encodeTerm(term: string): string {
  const escaped = term.replace(UNSAFE, (c) => `%${(c.codePointAt(0) as number).toString(16)};`);
  return escaped.length <= MAX_PLAIN_TERM ? escaped : `#${createHash('sha1').update(term).digest('hex')}`;
}

/** `kwText` of an item: its encoded terms, in order, separated by one space (Lucene's tf and field length are the core's). */
export function keywordText(terms: readonly string[]): string {
  return terms.map(encodeTerm).join(' ');
}

/** Term frequencies of `kwText`, by encoded term. */
export function termCounts(kwText: string | null | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  if (!kwText) return counts;
  for (const token of kwText.split(' ')) if (token.length > 0) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

function token(prefix: string, ...parts: string[]): string {
  return `${prefix}${createHash('sha1').update(parts.join('\u0000')).digest('hex').slice(0, 24)}`;
}

/** Scope token of a namespace (every item of the namespace carries it). */
export function namespaceToken(ns: string): string {
  return token('n', ns);
}

/** Scope token of (namespace, status). */
export function statusToken(ns: string, status: string): string {
  return token('s', ns, status);
}

/** Scope token of a (namespace, cube, status) partition. */
export function partitionToken(ns: string, cubeId: string, status: string): string {
  return token('p', ns, cubeId, status);
}

/** `kwScope` of an item: its namespace, (namespace, status) and partition tokens. */
export function keywordScope(ns: string, cubeId: string, status: string): string {
  return `${namespaceToken(ns)} ${statusToken(ns, status)} ${partitionToken(ns, cubeId, status)}`;
}

/** Most scope tokens one query lists; beyond, the query scopes by status or namespace and Cypher filters the rest. */
export const MAX_SCOPE_TOKENS = 256;
/** Most terms one Lucene query lists (Lucene allows 1,024 clauses in all); the best-weighted are kept. */
export const MAX_QUERY_TERMS = 512;

/** A quoted Lucene term of field `field` (the whitespace analyzer keeps it one token; `"` and `\` escaped). */
function quoted(field: string, value: string): string {
  return `${field}:"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Lucene query: items carrying one of the `scope` tokens (a filter: boost 0, it does not score)
 * and at least one of the encoded `terms`.
 */
export function luceneQuery(scope: readonly string[], terms: readonly string[]): string {
  const scopeClause = `+(${scope.map((t) => quoted('kwScope', t)).join(' ')})^0`;
  return `${scopeClause} +(${terms.map((t) => quoted('kwText', t)).join(' ')})`;
}
