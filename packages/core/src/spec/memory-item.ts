/**
 * The memory item: the smallest unit of memory (ARCHITECTURE §1, §4).
 * A header (descriptive metadata, governance attributes, behavioural indicators) plus a payload.
 */

/** The three kinds of memory a MemCube holds. */
export type MemoryKind = 'plaintext' | 'activation' | 'parametric';

/** Where an item lives in the memory hierarchy. Open-ended: custom types are allowed. */
export type MemoryType = 'working' | 'long_term' | 'user' | 'event' | 'fact' | 'preference' | 'document' | (string & {});

/** Lifecycle status. Only `active` items are returned by default. */
export type MemoryStatus = 'active' | 'archived' | 'merged' | 'invalidated' | 'expired' | 'deleted';

/** Every status, in a fixed order (used for validation). */
export const MEMORY_STATUSES: readonly MemoryStatus[] = ['active', 'archived', 'merged', 'invalidated', 'expired', 'deleted'];

/** Whether the item's vector is in the vector store. The graph is the source of truth. */
export type VectorSyncState = 'pending' | 'synced' | 'failed' | 'none';

/** Provenance of a memory item: where it came from. */
export interface MemorySource {
  /** `user`, `assistant`, `system`, `tool` for chat messages; `document` for documents; `api` for plain text. */
  role: string;
  /** Name of the speaker (e.g. "Caroline"), when known. */
  speaker?: string;
  /** Caller-supplied message id (e.g. a LoCoMo `dia_id` such as "D1:3"). */
  messageId?: string;
  /** When the message was said, ISO-8601 (parsed from the message time). */
  chatTime?: string;
  /** Path or URI of the source document. */
  docPath?: string;
  /** Chunk index inside the document. */
  chunkIndex?: number;
  /** Session the message belonged to. */
  sessionId?: string;
}

/** A scalar metadata value (filters compare these exactly). */
export type MetadataValue = string | number | boolean | null;

/** A plaintext/activation/parametric memory item as stored in every backend. */
export interface MemoryItem {
  id: string;
  cubeId: string;
  ownerId: string;
  sessionId?: string;
  kind: MemoryKind;
  memoryType: MemoryType;
  /** Plaintext payload (for activation/parametric items: a human-readable description). */
  text: string;
  /** Short key/title for the memory (fast mode: leading keywords). */
  key: string;
  tags: string[];
  /** Free-form scalar metadata, filterable by equality. */
  metadata: Record<string, MetadataValue>;
  confidence: number;
  status: MemoryStatus;
  /** Starts at 1; every change increments it and writes a version record. */
  version: number;
  sources: MemorySource[];
  /** World time: when the fact became true (ISO-8601). */
  validAt?: string;
  /** World time: when the fact stopped being true (ISO-8601). */
  invalidAt?: string;
  /** System time: when we learned it. */
  createdAt: string;
  updatedAt: string;
  /** System time: when we stopped believing it (deleted/expired). */
  expiredAt?: string;
  /**
   * TTL: from this instant on the item is expired. Default reads leave it out as soon as the
   * instant has passed (before any sweep); the lifecycle sweep then sets status `expired`.
   */
  expiresAt?: string;
  /** Pinned items are exempt from TTL: they never expire, whatever `expiresAt` says. */
  pinned?: boolean;
  accessCount: number;
  lastAccessedAt?: string;
  importance: number;
  /** Fingerprint of the embedder that produced its vector. */
  embeddingModel?: string;
  vectorSyncState: VectorSyncState;
  /** Payload reference for activation (KV cache file) or parametric (LoRA adapter file) items. */
  payloadRef?: string;
  /**
   * Governance: what the redaction step masked before the item was stored (kind and number of
   * matches per kind, never the original values). Absent when nothing was masked.
   */
  redactions?: RedactionMark[];
}

/** One kind of masked value in an item (see `MemoryItem.redactions`). */
export interface RedactionMark {
  /** `email`, `phone`, `card` for the default redactor; custom redactors name their own kinds. */
  kind: 'email' | 'phone' | 'card' | (string & {});
  /** How many values of this kind were masked (>= 1). */
  count: number;
}

/** Typed relations between items (ARCHITECTURE §4). */
export type EdgeType = 'PARENT' | 'RELATE_TO' | 'MERGED_TO' | 'SUPERSEDES' | 'CONFLICTS_WITH' | 'FOLLOWS' | 'DERIVED_FROM';

/** Every edge type: the fixed allow-list backends use for relationship types. */
export const EDGE_TYPES: readonly EdgeType[] = ['PARENT', 'RELATE_TO', 'MERGED_TO', 'SUPERSEDES', 'CONFLICTS_WITH', 'FOLLOWS', 'DERIVED_FROM'];

/** A directed edge between two items of the same cube. */
export interface MemoryEdge {
  /** Source item id. */
  from: string;
  /** Target item id. */
  to: string;
  type: EdgeType;
  cubeId: string;
  weight: number;
  createdAt: string;
}

/** What happened to an item in one version record. */
export type VersionAction = 'create' | 'update' | 'delete' | 'invalidate' | 'rollback' | 'archive' | 'expire' | 'merge' | 'restore';

/** One entry of an item's history: the item's full state *after* the change. */
export interface VersionRecord {
  itemId: string;
  cubeId: string;
  version: number;
  action: VersionAction;
  /** Who made the change (user id or `system`). */
  actor: string;
  at: string;
  reason?: string;
  /** The item as it was after this change. */
  snapshot: MemoryItem;
}

/** An audit trail entry (one per MOS call that changes or reads governed data). */
export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  action: string;
  cubeId?: string;
  itemId?: string;
  /** Further items the call touched (e.g. the hits of a search in this cube), ids only. */
  itemIds?: string[];
  /** Number of results the call returned (reads) or things it changed/removed (writes, forget). */
  resultCount?: number;
  details?: Record<string, MetadataValue>;
}
