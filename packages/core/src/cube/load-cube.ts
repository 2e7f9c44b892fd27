import { resolve } from 'node:path';
import { ConflictError } from '../errors/conflict-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import { itemWrite } from '../memory/textual/item-terms.ts';
import type { MemoryContext } from '../memory/textual/memory-context.ts';
import { embedItems, upsertVectors } from '../memory/textual/sync-vectors.ts';
import { auditRecord } from '../memory/textual/version-record.ts';
import { idSchema } from '../mos/input-schemas.ts';
import { DEFAULT_LIMITS, type MemosLimits } from '../mos/limits.ts';
import type { MemCubeConfig, MemoryEdge, MemoryItem, VersionRecord } from '../spec/index.ts';
import { readDump, type CheckedDump } from './read-dump.ts';

const BATCH = 500;

/** Options of {@link loadCube}. */
export interface LoadCubeOptions {
  ctx: MemoryContext;
  /** The dump directory (untrusted content). */
  dir: string;
  /** The loading user: owner of the new cube and of every item in it, whatever the dump says. */
  userId: string;
  /** Id of the new cube (default: the dump's, or a new id with `remintIds`). */
  cubeId?: string;
  /** Schema version of cubes created by this runtime. */
  schemaVersion: number;
  /**
   * Give every item a new id (and the cube too, unless `cubeId` is set), remapping versions,
   * snapshots, edges and embeddings consistently, so the same dump can be loaded twice or next to
   * the cube it came from. Default false: a dump whose cube or item ids are in use anywhere in the
   * store is refused with `ConflictError`.
   */
  remintIds?: boolean;
  /** Size limits for the dump's files and rows (default `DEFAULT_LIMITS`; pass the runtime's). */
  limits?: MemosLimits;
}

/**
 * Loads a dump directory into the store as a new cube owned by `userId`. The dump is untrusted:
 * the whole dump is read and checked against itself first (see {@link readDump}: sizes, fields,
 * every id, snapshot, edge endpoint, embedding and count; `DumpFormatError` or
 * `InputTooLargeError`), then the cube id and every item id are checked against the store (in use
 * anywhere: `ConflictError`, unless `remintIds`), all before the first write; so a rejected dump
 * writes nothing, and no row can name an item outside the new cube. The loading user owns the cube
 * and every item and snapshot in it; the access list is empty; `payloadRef`s are dropped (a dump
 * carries no payload files, and a path from a dump must never reach the file system). If writing
 * fails midway, the partial cube is removed. Vectors come from the dump when they match the
 * configured embedder, otherwise they are recomputed (and the cube is bound to the configured
 * embedder).
 */
export async function loadCube(options: LoadCubeOptions): Promise<MemCubeConfig> {
  const { ctx, userId } = options;
  const dir = resolve(options.dir);
  if (options.cubeId !== undefined && !idSchema.safeParse(options.cubeId).success) throw new ValidationError('load.cubeId', 'must be a valid id');
  const dump = await readDump({ dir, limits: options.limits ?? DEFAULT_LIMITS });
  const cubeId = options.cubeId ?? (options.remintIds ? mintId(ctx) : dump.manifest.cube.id);
  const { items, versions, edges, embeddings } = retarget(dump, { cubeId, userId, ids: options.remintIds ? mintIds(ctx, dump.items) : undefined });

  const cubeInUse = (cause?: unknown) =>
    new ConflictError('cube', cubeId, "The dump's cube id is already in use in this store; load it under another cubeId or with remintIds: true", { reason: 'duplicate', cause });
  if (await ctx.graph.getCube(cubeId)) throw cubeInUse();
  for (let i = 0; i < items.length; i += BATCH) {
    const clash = await ctx.graph.getItems(items.slice(i, i + BATCH).map((it) => it.id));
    if (clash[0]) throw new ConflictError('memory', clash[0].id, 'An item id of the dump is already in use in this store; load it with remintIds: true', { reason: 'duplicate' });
  }

  const at = ctx.now().toISOString();
  const space = { fingerprint: ctx.embedder.fingerprint, dimension: ctx.embedder.dimension };
  const { manifest } = dump;
  const cube: MemCubeConfig = {
    id: cubeId, name: manifest.cube.name, ownerId: userId, embedder: space, schemaVersion: options.schemaVersion, acl: [],
    lineage: { ...manifest.cube.lineage, loadedFrom: dir }, createdAt: manifest.cube.createdAt, updatedAt: at,
    ...(manifest.cube.description !== undefined ? { description: manifest.cube.description } : {}),
  };
  const reuseVectors = manifest.embeddingsFingerprint === space.fingerprint && manifest.cube.embedder.dimension === space.dimension;
  const vectorById = new Map(reuseVectors ? embeddings : []);
  const versionsByItem = Map.groupBy(versions, (v) => v.itemId);

  // Create-only in the store's transaction: a createCube or load of this id that passed its own
  // check at the same moment wins or loses as a whole; this load never overwrites that cube.
  await ctx.graph.putCube(cube, { expect: 'absent' }).catch((error: unknown) => {
    throw ConflictError.isConflict(error, 'duplicate') ? cubeInUse(error) : error;
  });
  try {
    for (let i = 0; i < items.length; i += BATCH) {
      const batch = items.slice(i, i + BATCH).map((item) => ({ ...item, embeddingModel: space.fingerprint, vectorSyncState: item.status === 'deleted' ? 'none' as const : 'pending' as const }));
      await ctx.graph.write({
        items: batch.map((item) => ({ ...itemWrite(item), expectedVersion: 0 })),
        versions: batch.flatMap((item) => versionsByItem.get(item.id) ?? []),
        requireCubes: [cubeId],
      });
      const live = batch.filter((item) => item.status !== 'deleted');
      const missing = live.filter((item) => !vectorById.has(item.id));
      const computed = await embedItems(ctx, missing);
      const fromDump = live.map((item) => vectorById.get(item.id));
      const computedById = new Map(missing.map((item, j) => [item.id, computed[j] ?? []]));
      await upsertVectors(ctx, live, live.map((item, j) => (fromDump[j] ? Array.from(fromDump[j]) : computedById.get(item.id) ?? [])));
    }
    for (let i = 0; i < edges.length; i += BATCH) await ctx.graph.write({ edges: edges.slice(i, i + BATCH), requireCubes: [cubeId] });
    await ctx.graph.write({ audit: [auditRecord(ctx, { actor: userId, action: 'loadCube', at, cubeId, details: { from: dir, memories: items.length, reminted: options.remintIds === true } })] });
  } catch (error) {
    // Remove the partial cube, unless the cube stored under this id is no longer the one this
    // load wrote (a concurrent createCube or load replaced it: never remove someone else's cube).
    const stored = await ctx.graph.getCube(cubeId).catch(() => undefined);
    if (stored === undefined || (stored.ownerId === userId && stored.updatedAt === at && stored.lineage?.loadedFrom === dir)) {
      await ctx.vector.deleteCube({ space, cubeId }).catch(() => undefined);
      await ctx.graph.deleteCube(cubeId).catch(() => undefined);
    }
    throw error;
  }
  return cube;
}

function mintId(ctx: MemoryContext): string {
  const id = ctx.newId();
  if (!idSchema.safeParse(id).success) throw new ValidationError('newId', 'returned an invalid id');
  return id;
}

function mintIds(ctx: MemoryContext, items: MemoryItem[]): Map<string, string> {
  const ids = new Map(items.map((item) => [item.id, mintId(ctx)]));
  if (new Set(ids.values()).size !== ids.size) throw new ValidationError('newId', 'returned the same id twice');
  return ids;
}

/**
 * The dump's rows as they will be stored: in `cubeId`, owned by `userId`, without payload
 * references, and with ids mapped through `ids` when reminting. Every id in the dump was checked
 * to be an item of the dump, so every id maps.
 */
function retarget(dump: CheckedDump, target: { cubeId: string; userId: string; ids: Map<string, string> | undefined }) {
  const id = (old: string) => target.ids?.get(old) ?? old;
  const own = (item: MemoryItem): MemoryItem => {
    const copy: MemoryItem = { ...item, id: id(item.id), cubeId: target.cubeId, ownerId: target.userId };
    delete copy.payloadRef;
    return copy;
  };
  const items = dump.items.map(own);
  const versions: VersionRecord[] = dump.versions.map((v) => ({ ...v, itemId: id(v.itemId), cubeId: target.cubeId, snapshot: own(v.snapshot) }));
  const edges: MemoryEdge[] = dump.edges.map((e) => ({ ...e, from: id(e.from), to: id(e.to), cubeId: target.cubeId }));
  const embeddings = new Map([...dump.embeddings].map(([key, vector]) => [id(key), vector]));
  return { items, versions, edges, embeddings };
}
