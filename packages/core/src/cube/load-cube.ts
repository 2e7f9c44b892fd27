import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { ConflictError } from '../errors/conflict-error.ts';
import { DumpFormatError } from '../errors/dump-format-error.ts';
import { itemWrite } from '../memory/textual/item-terms.ts';
import type { MemoryContext } from '../memory/textual/memory-context.ts';
import { embedItems, upsertVectors } from '../memory/textual/sync-vectors.ts';
import { auditRecord } from '../memory/textual/version-record.ts';
import type { MemCubeConfig, MemoryEdge, MemoryItem, VersionRecord } from '../spec/index.ts';
import { DUMP_FILES, DUMP_FORMAT_VERSION, edgeSchema, embeddingSchema, manifestSchema, memoryItemSchema, versionSchema, type DumpManifest } from './dump-format.ts';

const BATCH = 500;

/**
 * Loads a dump directory into the store as a new cube owned by `userId`. Rejects an unknown
 * major format version and malformed lines with `DumpFormatError`, existing cube or item ids
 * with `ConflictError`, before anything is written; if writing fails midway the partial cube
 * is removed. Vectors come from the dump when they match the configured embedder, otherwise
 * they are recomputed (and the cube is bound to the configured embedder).
 */
export async function loadCube(options: { ctx: MemoryContext; dir: string; userId: string; cubeId?: string; schemaVersion: number }): Promise<MemCubeConfig> {
  const { ctx } = options;
  const dir = resolve(options.dir);
  const manifest = await readManifest(dir);
  const cubeId = options.cubeId ?? manifest.cube.id;
  const rename = <T extends { cubeId: string }>(row: T): T => ({ ...row, cubeId });
  const items = (await readLines(dir, DUMP_FILES.memories, memoryItemSchema)).map((i) => rename(i as MemoryItem));
  const edges = (await readLines(dir, DUMP_FILES.edges, edgeSchema)).map((e) => rename(e as MemoryEdge));
  const versions = (await readLines(dir, DUMP_FILES.versions, versionSchema)).map((v) => ({ ...rename(v as VersionRecord), snapshot: rename(v.snapshot as MemoryItem) }));
  const embeddings = manifest.counts.embeddings > 0 ? await readLines(dir, DUMP_FILES.embeddings, embeddingSchema) : [];
  if (items.length !== manifest.counts.memories) throw new DumpFormatError(dir, `manifest says ${manifest.counts.memories} memories, found ${items.length}`);

  if (await ctx.graph.getCube(cubeId)) throw new ConflictError('cube', cubeId, `Cube ${cubeId} already exists`);
  for (let i = 0; i < items.length; i += BATCH) {
    const clash = await ctx.graph.getItems(items.slice(i, i + BATCH).map((it) => it.id));
    if (clash[0]) throw new ConflictError('memory', clash[0].id, `Memory ${clash[0].id} already exists in cube ${clash[0].cubeId}`);
  }

  const at = ctx.now().toISOString();
  const space = { fingerprint: ctx.embedder.fingerprint, dimension: ctx.embedder.dimension };
  const cube: MemCubeConfig = {
    ...(manifest.cube as MemCubeConfig), id: cubeId, ownerId: options.userId, embedder: space, acl: [], schemaVersion: options.schemaVersion,
    lineage: { ...manifest.cube.lineage, loadedFrom: dir }, updatedAt: at,
  };
  const reuseVectors = manifest.embeddingsFingerprint === space.fingerprint;
  const vectorById = new Map(reuseVectors ? embeddings.map((e) => [e.id, e.vector]) : []);
  const versionsByItem = Map.groupBy(versions, (v) => v.itemId);

  await ctx.graph.putCube(cube);
  try {
    for (let i = 0; i < items.length; i += BATCH) {
      const batch = items.slice(i, i + BATCH).map((item) => ({ ...item, embeddingModel: space.fingerprint, vectorSyncState: item.status === 'deleted' ? 'none' as const : 'pending' as const }));
      await ctx.graph.write({ items: batch.map(itemWrite), versions: batch.flatMap((item) => versionsByItem.get(item.id) ?? []) });
      const live = batch.filter((item) => item.status !== 'deleted');
      const missing = live.filter((item) => !vectorById.has(item.id));
      const computed = await embedItems(ctx, missing);
      missing.forEach((item, j) => vectorById.set(item.id, computed[j] ?? []));
      await upsertVectors(ctx, live, live.map((item) => vectorById.get(item.id) ?? []));
    }
    for (let i = 0; i < edges.length; i += BATCH) await ctx.graph.write({ edges: edges.slice(i, i + BATCH) });
    await ctx.graph.write({ audit: [auditRecord(ctx, { actor: options.userId, action: 'loadCube', at, cubeId, details: { from: dir, memories: items.length } })] });
  } catch (error) {
    await ctx.vector.deleteCube({ space, cubeId }).catch(() => undefined);
    await ctx.graph.deleteCube(cubeId).catch(() => undefined);
    throw error;
  }
  return cube;
}

async function readManifest(dir: string): Promise<DumpManifest> {
  const path = join(dir, DUMP_FILES.manifest);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new DumpFormatError(path, 'missing or not JSON', { cause: error });
  }
  const version = typeof raw === 'object' && raw !== null ? (raw as { formatVersion?: unknown }).formatVersion : undefined;
  if (typeof version === 'string') {
    const major = Number(version.split('.')[0]);
    const supported = Number(DUMP_FORMAT_VERSION.split('.')[0]);
    if (!Number.isInteger(major) || major > supported) {
      throw new DumpFormatError(path, `format version ${version} is newer than this reader (${DUMP_FORMAT_VERSION}); upgrade MemOS.js`, { formatVersion: version });
    }
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new DumpFormatError(path, `invalid manifest: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`, typeof version === 'string' ? { formatVersion: version } : {});
  return parsed.data;
}

async function readLines<S extends z.ZodType>(dir: string, file: string, schema: S): Promise<z.output<S>[]> {
  const path = join(dir, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DumpFormatError(path, 'missing', { cause: error });
  }
  const rows: z.output<S>[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new DumpFormatError(path, `line ${index + 1} is not JSON`, { cause: error });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new DumpFormatError(path, `line ${index + 1}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
    rows.push(parsed.data);
  });
  return rows;
}
