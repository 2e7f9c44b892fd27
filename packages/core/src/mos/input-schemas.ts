import { z } from 'zod';
import { EDGE_TYPES, MEMORY_STATUSES, type EdgeType, type MemoryStatus } from '../spec/memory-item.ts';
import type { MemosLimits } from './limits.ts';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
/** User, cube and item ids: 1–128 chars of letters, digits and `._:@-`, not starting with punctuation. */
export const idSchema = z.string().regex(ID_PATTERN, 'must be 1-128 characters of letters, digits and ._:@- (starting with a letter or digit)');

const timeSchema = z.union([z.string().min(1), z.date(), z.number().finite()]);

/** Tags of an item (`add`, `update`, filters and dumps share it): at most `maxTags`, 1–128 characters each. */
export function tagsSchema(limits: MemosLimits) {
  return z.array(z.string().min(1).max(128)).max(limits.maxTags);
}

/** Metadata of an item (`add`, `update`, filters and dumps share it): scalar values within the limits. */
export function metadataSchema(limits: MemosLimits) {
  const metadataValue = z.union([z.string().max(limits.maxMetadataValueChars), z.number().finite(), z.boolean(), z.null()]);
  return z.record(z.string().min(1).max(128), metadataValue).refine((m) => Object.keys(m).length <= limits.maxMetadataKeys, `must have at most ${limits.maxMetadataKeys} keys`);
}

/** Builds every input schema for the given limits. */
export function createInputSchemas(limits: MemosLimits) {
  const text = z.string().refine((s) => s.trim().length > 0, 'must not be empty').pipe(z.string().max(limits.maxTextChars));
  const tags = tagsSchema(limits);
  const metadata = metadataSchema(limits);
  const memoryType = z.string().min(1).max(64);
  const status = z.enum(MEMORY_STATUSES as [MemoryStatus, ...MemoryStatus[]]);

  const message = z.object({
    role: z.enum(['user', 'assistant', 'system', 'tool']),
    content: text,
    speaker: z.string().min(1).max(256).optional(),
    time: timeSchema.optional(),
    messageId: z.string().min(1).max(256).optional(),
  });

  const filter = z
    .object({
      ownerId: idSchema.optional(),
      sessionId: z.string().min(1).max(256).optional(),
      ids: z.array(idSchema).max(limits.maxTopK).optional(),
      statuses: z.array(status).min(1).optional(),
      memoryTypes: z.array(memoryType).min(1).optional(),
      tagsAny: tags.min(1).optional(),
      tagsAll: tags.min(1).optional(),
      metadata: metadata.optional(),
      createdFrom: timeSchema.optional(),
      createdTo: timeSchema.optional(),
      validFrom: timeSchema.optional(),
      validTo: timeSchema.optional(),
    })
    .strict();

  const common = {
    userId: idSchema,
    cubeId: idSchema,
    sessionId: z.string().min(1).max(256).optional(),
    memoryType: memoryType.optional(),
    tags: tags.optional(),
    metadata: metadata.optional(),
    expiresAt: timeSchema.optional(),
    pinned: z.boolean().optional(),
  };

  return {
    createUser: z
      .object({ id: idSchema.optional(), name: z.string().min(1).max(256), role: z.enum(['admin', 'user']).optional(), actorId: idSchema.optional() })
      .strict(),
    createCube: z.object({ userId: idSchema, id: idSchema.optional(), name: z.string().min(1).max(256), description: z.string().max(4_000).optional() }).strict(),
    cubeRef: z.object({ userId: idSchema, cubeId: idSchema }).strict(),
    userRef: z.object({ userId: idSchema }).strict(),
    share: z.object({ userId: idSchema, cubeId: idSchema, withUserId: idSchema, access: z.enum(['read', 'write', 'share', 'none']) }).strict(),
    add: z.union([
      z.object({ ...common, messages: z.array(message).min(1).max(limits.maxMessages), sessionTime: timeSchema.optional() }).strict(),
      z.object({ ...common, text }).strict(),
      z.object({ ...common, document: z.object({ text: z.string().min(1).max(limits.maxDocumentChars), path: z.string().max(1_024).optional(), title: z.string().max(1_024).optional(), time: timeSchema.optional() }).strict() }).strict(),
    ]),
    search: z
      .object({
        userId: idSchema,
        query: z.string().refine((s) => s.trim().length > 0, 'must not be empty').pipe(z.string().max(limits.maxQueryChars)),
        cubeIds: z.array(idSchema).min(1).optional(),
        topK: z.number().int().min(1).max(limits.maxTopK).optional(),
        filter: filter.optional(),
        asOf: timeSchema.optional(),
        knownAt: timeSchema.optional(),
        weights: z.object({ vector: z.number().min(0).finite(), keyword: z.number().min(0).finite(), graph: z.number().min(0).finite() }).partial().strict().optional(),
      })
      .strict(),
    itemRef: z.object({ userId: idSchema, id: idSchema }).strict(),
    getAll: z
      .object({
        userId: idSchema,
        cubeIds: z.array(idSchema).min(1).optional(),
        filter: filter.extend({ asOf: timeSchema.optional(), knownAt: timeSchema.optional() }).optional(),
        limit: z.number().int().min(1).max(limits.maxTopK).optional(),
        offset: z.number().int().min(0).optional(),
        order: z.enum(['createdAt', 'updatedAt']).optional(),
        direction: z.enum(['asc', 'desc']).optional(),
      })
      .strict(),
    update: z
      .object({
        userId: idSchema,
        id: idSchema,
        text: text.optional(),
        key: z.string().min(1).max(512).optional(),
        tags: tags.optional(),
        metadata: metadata.optional(),
        memoryType: memoryType.optional(),
        importance: z.number().min(0).max(1).optional(),
        expiresAt: z.union([timeSchema, z.null()]).optional(),
        pinned: z.boolean().optional(),
        reason: z.string().max(1_000).optional(),
      })
      .strict()
      .refine((u) => u.text !== undefined || u.key !== undefined || u.tags !== undefined || u.metadata !== undefined || u.memoryType !== undefined || u.importance !== undefined || u.expiresAt !== undefined || u.pinned !== undefined, 'must change at least one field'),
    remove: z.object({ userId: idSchema, id: idSchema, reason: z.string().max(1_000).optional() }).strict(),
    invalidate: z.object({ userId: idSchema, id: idSchema, invalidAt: timeSchema.optional(), reason: z.string().max(1_000).optional(), supersededBy: idSchema.optional() }).strict(),
    rollback: z.object({ userId: idSchema, id: idSchema, version: z.number().int().min(1), reason: z.string().max(1_000).optional() }).strict(),
    relate: z.object({ userId: idSchema, from: idSchema, to: idSchema, type: z.enum(EDGE_TYPES as [EdgeType, ...EdgeType[]]), weight: z.number().min(0).max(1).finite().optional() }).strict(),
    dump: z.object({ userId: idSchema, cubeId: idSchema, dir: z.string().min(1), includeEmbeddings: z.boolean().optional() }).strict(),
    load: z.object({ userId: idSchema, dir: z.string().min(1), cubeId: idSchema.optional(), remintIds: z.boolean().optional() }).strict(),
    repair: z.object({ userId: idSchema, cubeIds: z.array(idSchema).min(1).optional() }).strict(),
    sweep: z.object({ userId: idSchema.optional(), cubeIds: z.array(idSchema).min(1).optional() }).strict(),
    audit: z
      .object({
        userId: idSchema, cubeId: idSchema.optional(), itemId: idSchema.optional(), actor: idSchema.optional(),
        action: z.union([z.string().min(1).max(64), z.array(z.string().min(1).max(64)).min(1).max(64)]).optional(),
        since: timeSchema.optional(), until: timeSchema.optional(), limit: z.number().int().min(1).max(10_000).optional(),
      })
      .strict(),
    forget: z.union([
      z.object({ userId: idSchema, ids: z.array(idSchema).min(1).max(10_000) }).strict(),
      z.object({ userId: idSchema, cubeId: idSchema }).strict(),
      z.object({ userId: idSchema, forgetUserId: idSchema }).strict(),
    ]),
  };
}

/** The schemas' types. */
export type InputSchemas = ReturnType<typeof createInputSchemas>;
