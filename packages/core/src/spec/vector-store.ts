import type { EmbedderInfo } from './mem-cube.ts';
import type { ScoredId } from './graph-store.ts';

/** One vector with the metadata backends filter on. The id equals the memory item id. */
export interface VectorRecord {
  id: string;
  vector: number[];
  cubeId: string;
  ownerId: string;
  memoryType: string;
  createdAt: string;
}

/**
 * Stores item vectors, one space per embedder fingerprint (vectors of different embedders
 * never mix). Similarity is cosine; scores are cosine similarity (1 = identical).
 */
export interface VectorStore {
  readonly backend: string;
  setup(): Promise<void>;
  close(): Promise<void>;
  /** Inserts or replaces by id. */
  upsert(request: { space: EmbedderInfo; records: VectorRecord[] }): Promise<void>;
  /** Nearest neighbours within the cubes, best first (ties: id ascending). */
  query(request: { space: EmbedderInfo; vector: number[]; topK: number; cubeIds: string[] }): Promise<ScoredId[]>;
  /** Removes vectors by id (unknown ids are ignored). */
  delete(request: { space: EmbedderInfo; ids: string[] }): Promise<void>;
  /** Removes every vector of a cube. */
  deleteCube(request: { space: EmbedderInfo; cubeId: string }): Promise<void>;
  /** Ids stored for the cubes (for repair and dump). */
  listIds(request: { space: EmbedderInfo; cubeIds: string[] }): Promise<string[]>;
  /** Vectors by id, in the order asked; unknown ids are left out. */
  get(request: { space: EmbedderInfo; ids: string[] }): Promise<VectorRecord[]>;
}
