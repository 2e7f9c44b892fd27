import { createHash } from 'node:crypto';
import type {
  AuditRecord,
  EdgeType,
  MemoryEdge,
  MemoryItem,
  MemoryKind,
  MemorySource,
  MemoryStatus,
  MetadataValue,
  RedactionMark,
  VectorSyncState,
  VersionAction,
  VersionRecord,
} from '../../spec/memory-item.ts';
import type { Neo4jDriverModule } from './neo4j-connection.ts';
import { keywordScope, keywordText } from './neo4j-keyword-text.ts';

/** `neo4j.int` (integers are stored as Cypher INTEGERs, not FLOATs). */
export type IntFn = Neo4jDriverModule['int'];

/** `uid` of a node with id `id` in namespace `ns` (namespaces cannot contain `:`). */
export function uid(ns: string, id: string): string {
  return `${ns}:${id}`;
}

/** `uid` of the keyword term node of (encoded) `term` in the (namespace, cube, status) partition: a SHA-1 (fixed length, any term). */
export function termUid(ns: string, cubeId: string, status: string, term: string): string {
  return sha1(`${ns}\u0000${cubeId}\u0000${status}\u0000${term}`);
}

/** `uid` of the keyword counters of a (namespace, cube, status) partition (namespaces and statuses contain no `:`). */
export function scopeUid(ns: string, cubeId: string, status: string): string {
  return `${ns}:${status}:${cubeId}`;
}

/** `metaPairs` entry of a metadata key and a non-null value: `"key"=<JSON value>` (unambiguous, type-exact). */
export function metaPair(key: string, value: Exclude<MetadataValue, null>): string {
  return `${JSON.stringify(key)}=${JSON.stringify(value)}`;
}

/** `metaKeys` entry of a metadata key with a non-null value. */
export function metaKey(key: string): string {
  return JSON.stringify(key);
}

/**
 * Every property of a `:Memory` node for `item` with BM25 document `terms` (absent optionals are
 * null: not set by `SET n = `): the item's fields plus the keyword fields `docLength`, `kwText`
 * and `kwScope` (see neo4j-keyword-text.ts).
 */
export function itemProps(ns: string, item: MemoryItem, terms: readonly string[], int: IntFn): Record<string, unknown> {
  const metadataEntries = Object.entries(item.metadata);
  return {
    uid: uid(ns, item.id),
    ns,
    id: item.id,
    cubeId: item.cubeId,
    ownerId: item.ownerId,
    sessionId: item.sessionId ?? null,
    kind: item.kind,
    memoryType: item.memoryType,
    text: item.text,
    key: item.key,
    tags: [...item.tags],
    metadata: JSON.stringify(item.metadata),
    metaPairs: metadataEntries.flatMap(([key, value]) => (value === null ? [] : [metaPair(key, value)])),
    metaKeys: metadataEntries.flatMap(([key, value]) => (value === null ? [] : [metaKey(key)])),
    confidence: item.confidence,
    status: item.status,
    version: int(item.version),
    sources: JSON.stringify(item.sources),
    validAt: item.validAt ?? null,
    invalidAt: item.invalidAt ?? null,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    expiredAt: item.expiredAt ?? null,
    expiresAt: item.expiresAt ?? null,
    accessCount: int(item.accessCount),
    lastAccessedAt: item.lastAccessedAt ?? null,
    importance: item.importance,
    embeddingModel: item.embeddingModel ?? null,
    vectorSyncState: item.vectorSyncState,
    payloadRef: item.payloadRef ?? null,
    pinned: item.pinned ?? null,
    redactions: item.redactions === undefined ? null : JSON.stringify(item.redactions),
    docLength: int(terms.length),
    kwText: keywordText(terms),
    kwScope: keywordScope(ns, item.cubeId, item.status),
  };
}

/** Cypher map projection of the MemoryItem properties of node `m` (no keyword fields). */
export function itemProjection(variable: string): string {
  const fields = [
    'id', 'cubeId', 'ownerId', 'sessionId', 'kind', 'memoryType', 'text', 'key', 'tags', 'metadata', 'confidence', 'status',
    'version', 'sources', 'validAt', 'invalidAt', 'createdAt', 'updatedAt', 'expiredAt', 'expiresAt', 'accessCount',
    'lastAccessedAt', 'importance', 'embeddingModel', 'vectorSyncState', 'payloadRef', 'pinned', 'redactions',
  ];
  return `${variable} {${fields.map((field) => `.${field}`).join(', ')}}`;
}

type Props = Record<string, unknown>;

/** Rebuilds a MemoryItem from {@link itemProjection} (null optionals stay absent). */
export function propsToItem(p: Props): MemoryItem {
  const item: MemoryItem = {
    id: str(p['id']),
    cubeId: str(p['cubeId']),
    ownerId: str(p['ownerId']),
    kind: str(p['kind']) as MemoryKind,
    memoryType: str(p['memoryType']),
    text: str(p['text']),
    key: str(p['key']),
    tags: ((p['tags'] as unknown[] | null) ?? []).map(str),
    metadata: JSON.parse(str(p['metadata'])) as Record<string, MetadataValue>,
    confidence: Number(p['confidence']),
    status: str(p['status']) as MemoryStatus,
    version: Number(p['version']),
    sources: JSON.parse(str(p['sources'])) as MemorySource[],
    createdAt: str(p['createdAt']),
    updatedAt: str(p['updatedAt']),
    accessCount: Number(p['accessCount']),
    importance: Number(p['importance']),
    vectorSyncState: str(p['vectorSyncState']) as VectorSyncState,
  };
  for (const key of ['sessionId', 'validAt', 'invalidAt', 'expiredAt', 'expiresAt', 'lastAccessedAt', 'embeddingModel', 'payloadRef'] as const) {
    const value = p[key];
    if (value !== null && value !== undefined) item[key] = str(value);
  }
  if (typeof p['pinned'] === 'boolean') item.pinned = p['pinned'];
  if (typeof p['redactions'] === 'string') item.redactions = JSON.parse(p['redactions']) as RedactionMark[];
  return item;
}

/** Rebuilds an edge from `{from, to, type, cubeId, weight, createdAt}`. */
export function propsToEdge(p: Props): MemoryEdge {
  return {
    from: str(p['from']),
    to: str(p['to']),
    type: str(p['type']) as EdgeType,
    cubeId: str(p['cubeId']),
    weight: Number(p['weight']),
    createdAt: str(p['createdAt']),
  };
}

/** Properties of a `:Version` node. */
export function versionProps(ns: string, v: VersionRecord, int: IntFn): Props {
  return {
    uid: `${uid(ns, v.itemId)}#${v.version}`,
    ns,
    itemUid: uid(ns, v.itemId),
    itemId: v.itemId,
    cubeId: v.cubeId,
    version: int(v.version),
    action: v.action,
    actor: v.actor,
    at: v.at,
    reason: v.reason ?? null,
    snapshot: JSON.stringify(v.snapshot),
  };
}

/** Rebuilds a version record from a `:Version` node's properties. */
export function propsToVersion(p: Props): VersionRecord {
  const record: VersionRecord = {
    itemId: str(p['itemId']),
    cubeId: str(p['cubeId']),
    version: Number(p['version']),
    action: str(p['action']) as VersionAction,
    actor: str(p['actor']),
    at: str(p['at']),
    snapshot: JSON.parse(str(p['snapshot'])) as MemoryItem,
  };
  if (p['reason'] !== null && p['reason'] !== undefined) record.reason = str(p['reason']);
  return record;
}

/** Properties of an `:Audit` node. */
export function auditProps(ns: string, a: AuditRecord): Props {
  return {
    uid: uid(ns, a.id),
    ns,
    id: a.id,
    at: a.at,
    actor: a.actor,
    action: a.action,
    cubeId: a.cubeId ?? null,
    itemId: a.itemId ?? null,
    itemIds: a.itemIds === undefined ? null : [...a.itemIds],
    resultCount: a.resultCount ?? null,
    details: a.details === undefined ? null : JSON.stringify(a.details),
  };
}

/** Rebuilds an audit record from an `:Audit` node's properties. */
export function propsToAudit(p: Props): AuditRecord {
  const record: AuditRecord = { id: str(p['id']), at: str(p['at']), actor: str(p['actor']), action: str(p['action']) };
  if (p['cubeId'] !== null && p['cubeId'] !== undefined) record.cubeId = str(p['cubeId']);
  if (p['itemId'] !== null && p['itemId'] !== undefined) record.itemId = str(p['itemId']);
  if (Array.isArray(p['itemIds'])) record.itemIds = (p['itemIds'] as unknown[]).map(str);
  if (p['resultCount'] !== null && p['resultCount'] !== undefined) record.resultCount = Number(p['resultCount']);
  if (p['details'] !== null && p['details'] !== undefined) record.details = JSON.parse(str(p['details'])) as Record<string, MetadataValue>;
  return record;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}
