import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError } from '../errors/conflict-error.ts';
import type { MemOS } from '../mos.ts';
import type { MemCubeConfig } from '../spec/index.ts';

/** Options of {@link migrateCube}. */
export interface MigrateCubeOptions {
  /** Runtime holding the cube (any backend). */
  from: MemOS;
  /** Runtime to copy it into (any backend; may use another embedder: vectors are then recomputed). */
  to: MemOS;
  /** User who reads the cube in `from` and owns the copy in `to` (must exist in both). */
  userId: string;
  cubeId: string;
  /** Id of the copy (default: the same id). */
  targetCubeId?: string;
}

/** Result of a migration. */
export interface MigrateCubeResult {
  cube: MemCubeConfig;
  memories: number;
  edges: number;
  versions: number;
}

/**
 * Copies a cube between runtimes (e.g. SQLite → Neo4j + Chroma) through the portable dump format:
 * items, versions and edges are copied exactly; vectors are carried over when both runtimes use
 * the same embedder, otherwise recomputed with the target's. The copy's counts are checked
 * against the dump's; on a mismatch the copy is removed and a `ConflictError` is thrown.
 */
export async function migrateCube(options: MigrateCubeOptions): Promise<MigrateCubeResult> {
  const dir = join(await mkdtemp(join(tmpdir(), 'memos-migrate-')), 'cube');
  try {
    const { manifest } = await options.from.dumpCube({ userId: options.userId, cubeId: options.cubeId, dir, includeEmbeddings: options.from.embedder.fingerprint === options.to.embedder.fingerprint });
    const cube = await options.to.loadCube({ userId: options.userId, dir, ...(options.targetCubeId ? { cubeId: options.targetCubeId } : {}) });
    const copied = await options.to.graph.countItems({ cubeIds: [cube.id] });
    const edges = (await options.to.graph.listEdges({ cubeIds: [cube.id] })).length;
    if (copied !== manifest.counts.memories || edges !== manifest.counts.edges) {
      await options.to.deleteCube({ userId: options.userId, cubeId: cube.id });
      throw new ConflictError('cube', cube.id, `Migration of ${options.cubeId} copied ${copied}/${manifest.counts.memories} memories and ${edges}/${manifest.counts.edges} edges; the copy was removed`);
    }
    const migrated: MemCubeConfig = { ...cube, lineage: { ...cube.lineage, migratedFrom: `${options.from.graph.backend}:${options.cubeId}` } };
    delete migrated.lineage?.loadedFrom;
    await options.to.graph.putCube(migrated);
    return { cube: migrated, memories: copied, edges, versions: manifest.counts.versions };
  } finally {
    await rm(join(dir, '..'), { recursive: true, force: true });
  }
}
