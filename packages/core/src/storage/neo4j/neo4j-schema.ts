import { ValidationError } from '../../errors/validation-error.ts';
import { EDGE_TYPES } from '../../spec/memory-item.ts';
import { KEYWORD_INDEX } from './neo4j-keyword-text.ts';

/*
 * The Neo4j schema of MemOS.js (Neo4j 5.26 Community; nothing here needs Enterprise or APOC).
 *
 * Nodes (every one carries `ns`, the store's namespace, and a unique `uid` that starts with `ns:`):
 * - `:MemoryNode {uid: ns:id, ns, id}`: anything an edge or a version can point at. A node that also
 *   has the label `:Memory` is a memory item with every MemoryItem property (tags as a list,
 *   metadata/sources as JSON, plus `metaPairs`/`metaKeys` for metadata filters and `docLength`). A
 *   `:MemoryNode` without `:Memory` is a stub: an edge endpoint whose item is not (or no longer)
 *   stored, as SQLite's edge table allows.
 * - Keyword index (see neo4j-keyword.ts): `:Memory` nodes carry `kwText` (BM25 terms), `kwScope`
 *   (partition tokens) and `docLength`, indexed by the full-text index `memos_keyword` (whitespace
 *   analyzer); counters `:Term {uid, ns, cubeId, status, term, df}` per term and (namespace, cube,
 *   status) partition and `:KeywordScope {uid: ns:status:cubeId, docCount, totalLength}` per partition.
 * - `:Version {uid: ns:itemId#version}` linked `(:MemoryNode)-[:HAS_VERSION]->(:Version)`;
 *   `:Audit {uid: ns:id}` (append-only; `itemIds` list, `resultCount`); `:User {uid}`; `:Cube {uid}`
 *   (records as JSON in `record`; `deleting` while deleteCube runs, `lockedAt` from writes into it);
 *   `:Dump {uid, ns, dir, cubeId, at}` (dump directories the runtime wrote).
 * - `:MemoryVector {uid: ns:space:id}` (one per item and embedder space, only with `vectorIndex`) and
 *   `:MemoryVectorSpace {name}` (one per space, shared by every namespace).
 * Relationships: one type per EDGE_TYPES entry, `{cubeId, weight, createdAt}`; plus `HAS_VERSION`
 * (never traversed as a memory edge).
 */

/** Allowed namespace names: they become part of keys and of full-text tokens, never of Cypher text. */
export const NAMESPACE_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,40}$/;

/** The namespace used when none is configured. */
export const DEFAULT_NAMESPACE = 'memos';

/** Checks a namespace name against {@link NAMESPACE_PATTERN}. */
export function validateNamespace(namespace: unknown): string {
  if (namespace === undefined) return DEFAULT_NAMESPACE;
  if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace)) {
    throw new ValidationError('namespace', `must match ${NAMESPACE_PATTERN.source}`);
  }
  return namespace;
}

/** One schema object: its name (as `SHOW INDEXES` / `SHOW CONSTRAINTS` list it) and the statement creating it. */
export interface SchemaStatement {
  name: string;
  kind: 'constraint' | 'index';
  cypher: string;
}

const unique = (name: string, label: string, property: string): SchemaStatement => ({
  name,
  kind: 'constraint',
  cypher: `CREATE CONSTRAINT ${name} IF NOT EXISTS FOR (n:${label}) REQUIRE n.${property} IS UNIQUE`,
});

const range = (name: string, label: string, ...properties: string[]): SchemaStatement => ({
  name,
  kind: 'index',
  cypher: `CREATE INDEX ${name} IF NOT EXISTS FOR (n:${label}) ON (${properties.map((p) => `n.${p}`).join(', ')})`,
});

/** Every constraint and index {@link Neo4jConnection} creates in `setup()` (fixed text, no input). */
export const SCHEMA_STATEMENTS: readonly SchemaStatement[] = [
  unique('memos_node_uid', 'MemoryNode', 'uid'),
  unique('memos_version_uid', 'Version', 'uid'),
  unique('memos_audit_uid', 'Audit', 'uid'),
  unique('memos_user_uid', 'User', 'uid'),
  unique('memos_cube_uid', 'Cube', 'uid'),
  unique('memos_vector_uid', 'MemoryVector', 'uid'),
  unique('memos_vector_space_name', 'MemoryVectorSpace', 'name'),
  unique('memos_term_uid', 'Term', 'uid'),
  unique('memos_keyword_scope_uid', 'KeywordScope', 'uid'),
  unique('memos_dump_uid', 'Dump', 'uid'),
  range('memos_memory_cube', 'Memory', 'cubeId'),
  range('memos_memory_cube_status', 'Memory', 'cubeId', 'status'),
  range('memos_memory_owner', 'Memory', 'ownerId'),
  range('memos_memory_status', 'Memory', 'status'),
  range('memos_memory_type', 'Memory', 'memoryType'),
  range('memos_memory_session', 'Memory', 'sessionId'),
  range('memos_memory_created', 'Memory', 'createdAt'),
  range('memos_memory_valid', 'Memory', 'validAt'),
  range('memos_memory_expires', 'Memory', 'expiresAt'),
  range('memos_memory_ttl', 'Memory', 'cubeId', 'status', 'expiresAt'),
  range('memos_version_cube_at', 'Version', 'cubeId', 'at'),
  range('memos_version_item', 'Version', 'itemUid'),
  range('memos_version_cube', 'Version', 'cubeId'),
  range('memos_audit_ns_at', 'Audit', 'ns', 'at'),
  range('memos_audit_cube', 'Audit', 'cubeId'),
  range('memos_audit_item', 'Audit', 'itemId'),
  range('memos_audit_actor', 'Audit', 'actor'),
  range('memos_dump_ns', 'Dump', 'ns'),
  range('memos_user_ns', 'User', 'ns'),
  range('memos_cube_ns', 'Cube', 'ns'),
  range('memos_vector_cube', 'MemoryVector', 'cubeId'),
  range('memos_term_term', 'Term', 'term'),
  range('memos_term_cube', 'Term', 'cubeId'),
  range('memos_keyword_scope_cube', 'KeywordScope', 'cubeId'),
  {
    name: KEYWORD_INDEX,
    kind: 'index',
    cypher:
      `CREATE FULLTEXT INDEX ${KEYWORD_INDEX} IF NOT EXISTS FOR (n:Memory) ON EACH [n.kwText, n.kwScope] ` +
      "OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace', `fulltext.eventually_consistent`: false}}",
  },
  ...EDGE_TYPES.map((type) => ({
    name: `memos_edge_${type.toLowerCase()}_cube`,
    kind: 'index' as const,
    cypher: `CREATE INDEX memos_edge_${type.toLowerCase()}_cube IF NOT EXISTS FOR ()-[r:${type}]-() ON (r.cubeId)`,
  })),
];

/** Neo4j error codes that mean "an equivalent index or constraint already exists" (a concurrent setup won). */
export const SCHEMA_EXISTS_CODES = new Set([
  'Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists',
  'Neo.ClientError.Schema.IndexAlreadyExists',
  'Neo.ClientError.Schema.ConstraintAlreadyExists',
  'Neo.ClientError.Schema.IndexWithNameAlreadyExists',
  'Neo.ClientError.Schema.ConstraintWithNameAlreadyExists',
]);
