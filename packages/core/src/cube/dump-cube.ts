import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConflictError } from '../errors/conflict-error.ts';
import type { MemoryContext } from '../memory/textual/memory-context.ts';
import type { MemCubeConfig, MemoryItem } from '../spec/index.ts';
import { DUMP_FILES, DUMP_FORMAT, DUMP_FORMAT_VERSION, type DumpManifest } from './dump-format.ts';

/** What a dump wrote. */
export interface DumpCubeResult {
  dir: string;
  manifest: DumpManifest;
}

const PAGE = 1_000;

/** Reads every item of a cube (all statuses), oldest first. */
export async function allCubeItems(ctx: MemoryContext, cubeId: string): Promise<MemoryItem[]> {
  const items: MemoryItem[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await ctx.graph.listItems({ filter: { cubeIds: [cubeId] }, limit: PAGE, offset, order: 'createdAt', direction: 'asc' });
    items.push(...page);
    if (page.length < PAGE) return items;
  }
}

/** Options of {@link dumpCube}. */
export interface DumpCubeOptions {
  ctx: MemoryContext;
  /** The cube to write (access is the caller's business). */
  cube: MemCubeConfig;
  /** Target directory: created; must be empty or absent. */
  dir: string;
  /** Also write the vectors (embeddings.jsonl). */
  includeEmbeddings: boolean;
  /**
   * Also write deleted items with their versions, edges and vectors (default true). With false,
   * deleted items are left out entirely, with every version of theirs and every edge touching
   * them, for a caller who may not restore deleted content.
   */
  includeDeleted?: boolean;
  /** `exportedAt` of the manifest. */
  now: string;
}

/**
 * Writes a cube as a directory of JSON Lines (manifest, memories, edges, versions, optional
 * embeddings). Written to a temporary sibling directory first and renamed, so a failed dump
 * leaves no half-written directory behind.
 */
export async function dumpCube(options: DumpCubeOptions): Promise<DumpCubeResult> {
  const { ctx, cube } = options;
  const dir = resolve(options.dir);
  const existing = await readdir(dir).catch(() => undefined);
  if (existing && existing.length > 0) throw new ConflictError('dump', dir, `Dump directory ${dir} is not empty`);
  const all = await allCubeItems(ctx, cube.id);
  const items = options.includeDeleted === false ? all.filter((item) => item.status !== 'deleted') : all;
  const kept = new Set(items.map((item) => item.id));
  const edges = (await ctx.graph.listEdges({ cubeIds: [cube.id] })).filter((edge) => kept.has(edge.from) && kept.has(edge.to));
  const versions = [];
  for (const item of items) versions.push(...(await ctx.graph.listVersions({ cubeId: item.cubeId, itemId: item.id })));
  const embeddings: { id: string; vector: number[] }[] = [];
  if (options.includeEmbeddings) {
    for (let i = 0; i < items.length; i += PAGE) {
      const records = await ctx.vector.get({ space: cube.embedder, ids: items.slice(i, i + PAGE).map((it) => it.id) });
      embeddings.push(...records.map((r) => ({ id: r.id, vector: r.vector })));
    }
  }
  const manifest: DumpManifest = {
    format: DUMP_FORMAT,
    formatVersion: DUMP_FORMAT_VERSION,
    exportedAt: options.now,
    cube: structuredClone(cube),
    counts: { memories: items.length, edges: edges.length, versions: versions.length, embeddings: embeddings.length },
    ...(options.includeEmbeddings ? { embeddingsFingerprint: cube.embedder.fingerprint } : {}),
  };
  const tmp = `${dir}.tmp-${ctx.newId()}`;
  await mkdir(tmp, { recursive: true });
  try {
    await writeFile(join(tmp, DUMP_FILES.memories), jsonl(items));
    await writeFile(join(tmp, DUMP_FILES.edges), jsonl(edges));
    await writeFile(join(tmp, DUMP_FILES.versions), jsonl(versions));
    if (options.includeEmbeddings) await writeFile(join(tmp, DUMP_FILES.embeddings), jsonl(embeddings));
    await writeFile(join(tmp, DUMP_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    await mkdir(dirname(dir), { recursive: true });
    if (existing) await rm(dir, { recursive: true });
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return { dir, manifest };
}

function jsonl(rows: unknown[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}
