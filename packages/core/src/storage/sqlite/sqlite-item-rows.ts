import type { SQLInputValue, SQLOutputValue } from 'node:sqlite';
import type {
  AuditRecord,
  MemoryEdge,
  MemoryItem,
  MemoryKind,
  MemorySource,
  MemoryStatus,
  MetadataValue,
  EdgeType,
  RedactionMark,
  VectorSyncState,
  VersionAction,
  VersionRecord,
} from '../../spec/memory-item.ts';

type Row = Record<string, SQLOutputValue>;

/** Columns of `memory` written from an item, in the order of {@link itemParams}. */
const WRITE_COLUMNS = [
  'id', 'cube_id', 'owner_id', 'session_id', 'kind', 'memory_type', 'text', 'key', 'tags', 'metadata',
  'confidence', 'status', 'version', 'sources', 'valid_at', 'invalid_at', 'created_at', 'updated_at',
  'expired_at', 'expires_at', 'access_count', 'last_accessed_at', 'importance', 'embedding_model',
  'vector_sync_state', 'payload_ref', 'pinned', 'redactions', 'doc_length',
] as const;

/** `select` list of every item column of `memory` aliased `alias`. */
export function itemColumns(alias = 'm'): string {
  return ['rid', ...WRITE_COLUMNS.slice(0, -1)].map((column) => `${alias}.${column}`).join(', ');
}

/** Insert-or-replace of one item by id, keeping its `rid`; returns `rid`. */
export const UPSERT_ITEM_SQL =
  `insert into memory (${WRITE_COLUMNS.join(', ')}) values (${WRITE_COLUMNS.map(() => '?').join(', ')}) ` +
  `on conflict (id) do update set ${WRITE_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ')} ` +
  `returning rid`;

/** Parameters of {@link UPSERT_ITEM_SQL} for `item` with `docLength` BM25 terms. */
export function itemParams(item: MemoryItem, docLength: number): SQLInputValue[] {
  return [
    item.id, item.cubeId, item.ownerId, item.sessionId ?? null, item.kind, item.memoryType, item.text, item.key,
    JSON.stringify(item.tags), JSON.stringify(item.metadata), item.confidence, item.status, item.version,
    JSON.stringify(item.sources), item.validAt ?? null, item.invalidAt ?? null, item.createdAt, item.updatedAt,
    item.expiredAt ?? null, item.expiresAt ?? null, item.accessCount, item.lastAccessedAt ?? null, item.importance,
    item.embeddingModel ?? null, item.vectorSyncState, item.payloadRef ?? null,
    item.pinned === undefined ? null : item.pinned ? 1 : 0,
    item.redactions === undefined ? null : JSON.stringify(item.redactions), docLength,
  ];
}

/** Rebuilds a MemoryItem from a row of {@link itemColumns}; NULL optional columns stay absent. */
export function rowToItem(row: Row): MemoryItem {
  const item: MemoryItem = {
    id: text(row['id']),
    cubeId: text(row['cube_id']),
    ownerId: text(row['owner_id']),
    kind: text(row['kind']) as MemoryKind,
    memoryType: text(row['memory_type']),
    text: text(row['text']),
    key: text(row['key']),
    tags: JSON.parse(text(row['tags'])) as string[],
    metadata: JSON.parse(text(row['metadata'])) as Record<string, MetadataValue>,
    confidence: Number(row['confidence']),
    status: text(row['status']) as MemoryStatus,
    version: Number(row['version']),
    sources: JSON.parse(text(row['sources'])) as MemorySource[],
    createdAt: text(row['created_at']),
    updatedAt: text(row['updated_at']),
    accessCount: Number(row['access_count']),
    importance: Number(row['importance']),
    vectorSyncState: text(row['vector_sync_state']) as VectorSyncState,
  };
  setOptional(item, 'sessionId', row['session_id']);
  setOptional(item, 'validAt', row['valid_at']);
  setOptional(item, 'invalidAt', row['invalid_at']);
  setOptional(item, 'expiredAt', row['expired_at']);
  setOptional(item, 'expiresAt', row['expires_at']);
  setOptional(item, 'lastAccessedAt', row['last_accessed_at']);
  setOptional(item, 'embeddingModel', row['embedding_model']);
  setOptional(item, 'payloadRef', row['payload_ref']);
  const pinned = row['pinned'];
  if (pinned !== null && pinned !== undefined) item.pinned = Number(pinned) === 1;
  const redactions = row['redactions'];
  if (redactions !== null && redactions !== undefined) item.redactions = JSON.parse(text(redactions)) as RedactionMark[];
  return item;
}

type OptionalStringKey = 'sessionId' | 'validAt' | 'invalidAt' | 'expiredAt' | 'expiresAt' | 'lastAccessedAt' | 'embeddingModel' | 'payloadRef';

function setOptional(item: MemoryItem, key: OptionalStringKey, value: SQLOutputValue | undefined): void {
  if (value !== null && value !== undefined) item[key] = text(value);
}

/** Rebuilds an edge from an `edges` row. */
export function rowToEdge(row: Row): MemoryEdge {
  return {
    from: text(row['from_id']),
    to: text(row['to_id']),
    type: text(row['type']) as EdgeType,
    cubeId: text(row['cube_id']),
    weight: Number(row['weight']),
    createdAt: text(row['created_at']),
  };
}

/** Rebuilds a version record from a `versions` row. */
export function rowToVersion(row: Row): VersionRecord {
  const record: VersionRecord = {
    itemId: text(row['item_id']),
    cubeId: text(row['cube_id']),
    version: Number(row['version']),
    action: text(row['action']) as VersionAction,
    actor: text(row['actor']),
    at: text(row['at']),
    snapshot: JSON.parse(text(row['snapshot'])) as MemoryItem,
  };
  if (row['reason'] !== null && row['reason'] !== undefined) record.reason = text(row['reason']);
  return record;
}

/** Rebuilds an audit record from an `audit` row. */
export function rowToAudit(row: Row): AuditRecord {
  const record: AuditRecord = {
    id: text(row['id']),
    at: text(row['at']),
    actor: text(row['actor']),
    action: text(row['action']),
  };
  if (row['cube_id'] !== null && row['cube_id'] !== undefined) record.cubeId = text(row['cube_id']);
  if (row['item_id'] !== null && row['item_id'] !== undefined) record.itemId = text(row['item_id']);
  if (row['item_ids'] !== null && row['item_ids'] !== undefined) record.itemIds = JSON.parse(text(row['item_ids'])) as string[];
  if (row['result_count'] !== null && row['result_count'] !== undefined) record.resultCount = Number(row['result_count']);
  if (row['details'] !== null && row['details'] !== undefined) {
    record.details = JSON.parse(text(row['details'])) as Record<string, MetadataValue>;
  }
  return record;
}

function text(value: SQLOutputValue | undefined): string {
  return typeof value === 'string' ? value : String(value);
}
