import { z } from 'zod';
import { EDGE_TYPES, MEMORY_STATUSES } from '../spec/memory-item.ts';

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

const iso = z.string().datetime({ offset: true });
const metadataValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const sourceSchema = z.object({
  role: z.string(), speaker: z.string().optional(), messageId: z.string().optional(), chatTime: iso.optional(),
  docPath: z.string().optional(), chunkIndex: z.number().int().optional(), sessionId: z.string().optional(),
});

/** A memory item line. */
export const memoryItemSchema = z.object({
  id: z.string().min(1), cubeId: z.string().min(1), ownerId: z.string().min(1), sessionId: z.string().optional(),
  kind: z.enum(['plaintext', 'activation', 'parametric']), memoryType: z.string().min(1), text: z.string(), key: z.string(),
  tags: z.array(z.string()), metadata: z.record(z.string(), metadataValue), confidence: z.number(),
  status: z.enum(MEMORY_STATUSES as [string, ...string[]]), version: z.number().int().min(1), sources: z.array(sourceSchema),
  validAt: iso.optional(), invalidAt: iso.optional(), createdAt: iso, updatedAt: iso, expiredAt: iso.optional(), expiresAt: iso.optional(),
  accessCount: z.number().int().min(0), lastAccessedAt: iso.optional(), importance: z.number(), embeddingModel: z.string().optional(),
  vectorSyncState: z.enum(['pending', 'synced', 'failed', 'none']), payloadRef: z.string().optional(),
});

/** An edge line. */
export const edgeSchema = z.object({
  from: z.string().min(1), to: z.string().min(1), type: z.enum(EDGE_TYPES as [string, ...string[]]), cubeId: z.string().min(1),
  weight: z.number(), createdAt: iso,
});

/** A version line. */
export const versionSchema = z.object({
  itemId: z.string().min(1), cubeId: z.string().min(1), version: z.number().int().min(1),
  action: z.enum(['create', 'update', 'delete', 'invalidate', 'rollback', 'archive', 'expire', 'merge', 'restore']),
  actor: z.string(), at: iso, reason: z.string().optional(), snapshot: memoryItemSchema,
});

/** An embedding line. */
export const embeddingSchema = z.object({ id: z.string().min(1), vector: z.array(z.number().finite()) });

/** The manifest. */
export const manifestSchema = z.object({
  format: z.literal(DUMP_FORMAT),
  formatVersion: z.string().regex(/^\d+\.\d+$/),
  exportedAt: iso,
  cube: z.object({
    id: z.string().min(1), name: z.string(), ownerId: z.string(), description: z.string().optional(),
    embedder: z.object({ fingerprint: z.string(), dimension: z.number().int().min(1) }),
    schemaVersion: z.number().int(), acl: z.array(z.object({ userId: z.string(), access: z.enum(['read', 'write']) })),
    lineage: z.object({ parentCubeId: z.string().optional(), migratedFrom: z.string().optional(), loadedFrom: z.string().optional() }).optional(),
    createdAt: iso, updatedAt: iso,
  }),
  counts: z.object({ memories: z.number().int(), edges: z.number().int(), versions: z.number().int(), embeddings: z.number().int() }),
  /** Fingerprint of the vectors in embeddings.jsonl, when present. */
  embeddingsFingerprint: z.string().optional(),
});

export type DumpManifest = z.infer<typeof manifestSchema>;
