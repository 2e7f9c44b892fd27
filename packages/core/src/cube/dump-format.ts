import { z } from 'zod';
import { idSchema, metadataSchema, tagsSchema } from '../mos/input-schemas.ts';
import type { MemosLimits } from '../mos/limits.ts';
import { EDGE_TYPES, MEMORY_STATUSES, type MemoryItem } from '../spec/memory-item.ts';
import { MAX_VECTOR_DIMENSION } from '../storage/validation/validate-vector.ts';

/** Format name written in every manifest. */
export const DUMP_FORMAT = 'memos-cube';
/** Current dump format version (`major.minor`): a reader accepts its own major version only. */
export const DUMP_FORMAT_VERSION = '1.0';

/** File names inside a dump directory. */
export const DUMP_FILES = {
  manifest: 'manifest.json',
  memories: 'memories.jsonl',
  edges: 'edges.jsonl',
  versions: 'versions.jsonl',
  embeddings: 'embeddings.jsonl',
} as const;

/** Version actions a dump may contain. */
export const VERSION_ACTIONS = ['create', 'update', 'delete', 'invalidate', 'rollback', 'archive', 'expire', 'merge', 'restore'] as const;

/** A timestamp exactly as `Date.prototype.toISOString()` writes it (UTC, milliseconds), so string order is time order. */
const iso = z.string().max(32).refine((s) => {
  const ms = Date.parse(s);
  return Number.isFinite(ms) && new Date(ms).toISOString() === s;
}, 'must be an ISO-8601 UTC timestamp as written by Date.prototype.toISOString()');

const unit = z.number().finite().min(0).max(1);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The manifest. Only `cube.name`, `description`, `lineage` and `createdAt` are taken over from it
 * on load: the owner, access list, embedder and schema version come from the loading runtime.
 */
export const manifestSchema = z.object({
  format: z.literal(DUMP_FORMAT),
  formatVersion: z.string().regex(/^\d{1,4}\.\d{1,4}$/),
  exportedAt: iso,
  cube: z.object({
    id: idSchema, name: z.string().min(1).max(256), ownerId: idSchema, description: z.string().max(4_000).optional(),
    embedder: z.object({ fingerprint: z.string().min(1).max(512), dimension: z.number().int().min(1).max(MAX_VECTOR_DIMENSION) }),
    schemaVersion: z.number().int().min(1).max(1_000_000),
    acl: z.array(z.object({ userId: idSchema, access: z.enum(['read', 'write', 'share']) })).max(100_000),
    lineage: z.object({ parentCubeId: idSchema.optional(), migratedFrom: z.string().max(512).optional(), loadedFrom: z.string().max(4_096).optional() }).optional(),
    createdAt: iso, updatedAt: iso,
  }),
  counts: z.object({ memories: count, edges: count, versions: count, embeddings: count }),
  /** Fingerprint of the vectors in embeddings.jsonl, when present. */
  embeddingsFingerprint: z.string().min(1).max(512).optional(),
});

export type DumpManifest = z.infer<typeof manifestSchema>;

/**
 * The line schemas of a dump, with the same limits as `add` (text, tags, metadata). Unknown fields
 * are dropped (a newer minor format version may add some), including unknown fields of sources.
 */
export function createDumpSchemas(limits: MemosLimits) {
  const source = z.object({
    role: z.string().min(1).max(64), speaker: z.string().max(256).optional(), messageId: z.string().max(256).optional(), chatTime: iso.optional(),
    docPath: z.string().max(1_024).optional(), chunkIndex: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(), sessionId: z.string().max(256).optional(),
  });
  const item = z.object({
    id: idSchema, cubeId: idSchema, ownerId: idSchema, sessionId: z.string().min(1).max(256).optional(),
    kind: z.enum(['plaintext', 'activation', 'parametric']), memoryType: z.string().min(1).max(64),
    text: z.string().max(limits.maxTextChars), key: z.string().max(limits.maxTextChars),
    tags: tagsSchema(limits), metadata: metadataSchema(limits), confidence: unit,
    status: z.enum(MEMORY_STATUSES as [string, ...string[]]), version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    sources: z.array(source).max(limits.maxMessages),
    validAt: iso.optional(), invalidAt: iso.optional(), createdAt: iso, updatedAt: iso, expiredAt: iso.optional(), expiresAt: iso.optional(),
    pinned: z.boolean().optional(), accessCount: count, lastAccessedAt: iso.optional(), importance: unit,
    embeddingModel: z.string().max(512).optional(), vectorSyncState: z.enum(['pending', 'synced', 'failed', 'none']),
    payloadRef: z.string().max(4_096).optional(),
    redactions: z.array(z.object({ kind: z.string().min(1).max(64), count: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) })).max(64).optional(),
  });
  return {
    item,
    edge: z.object({ from: idSchema, to: idSchema, type: z.enum(EDGE_TYPES as [string, ...string[]]), cubeId: idSchema, weight: unit, createdAt: iso }),
    version: z.object({
      itemId: idSchema, cubeId: idSchema, version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), action: z.enum(VERSION_ACTIONS),
      actor: idSchema, at: iso, reason: z.string().max(1_000).optional(), snapshot: item,
    }),
    embedding: z.object({ id: idSchema, vector: z.array(z.number().finite()).min(1).max(MAX_VECTOR_DIMENSION) }),
  };
}

/** The line schemas for some limits. */
export type DumpSchemas = ReturnType<typeof createDumpSchemas>;

/**
 * Compile-time check: the item schema names every field of `MemoryItem` (zod drops unknown keys,
 * so a field added to the spec but not here would be lost silently on load). A type error here
 * names the missing field.
 */
type MissingItemFields = Exclude<keyof MemoryItem, keyof z.infer<DumpSchemas['item']>>;
export const DUMP_ITEM_SCHEMA_IS_COMPLETE: [MissingItemFields] extends [never] ? true : MissingItemFields = true;
