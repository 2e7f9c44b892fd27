import type { CubeAclEntry, MemCubeConfig, UserRecord } from './mem-cube.ts';
import type { AuditRecord, EdgeType, MemoryEdge, MemoryItem, VectorSyncState, VersionRecord } from './memory-item.ts';
import type { ItemFilter, ListQuery } from './search.ts';

/** An item to write, with the keyword terms the core's tokenizer produced for it. */
export interface ItemWrite {
  item: MemoryItem;
  /** Tokens of `key + text + tags` (core `tokenize`), in order, with repeats: the BM25 document. */
  terms: string[];
}

/**
 * Everything one MOS operation changes, applied atomically: either all of it is visible
 * afterwards or none of it (a failed write leaves the store as it was).
 */
export interface WriteBatch {
  /** Inserted or fully replaced (by id). */
  items?: ItemWrite[];
  edges?: MemoryEdge[];
  /** Edges to remove, matched on (from, to, type). */
  removeEdges?: Pick<MemoryEdge, 'from' | 'to' | 'type'>[];
  versions?: VersionRecord[];
  audit?: AuditRecord[];
}

/** Corpus statistics for BM25 over the items matching a filter. */
export interface KeywordStats {
  /** Number of matching items. */
  docCount: number;
  /** Sum of the term counts of the matching items. */
  totalLength: number;
  /** For each asked term: number of matching items that contain it. */
  df: Record<string, number>;
}

/**
 * A BM25 query whose weights the core computed: every backend scores
 * `sum_t idf[t] * tf*(k1+1) / (tf + k1*(1 - b + b*len/avgDocLength))` over the matching items,
 * so every backend ranks identically.
 */
export interface KeywordQuery {
  /** term -> idf weight. */
  weights: Record<string, number>;
  k1: number;
  b: number;
  avgDocLength: number;
  filter: ItemFilter;
  limit: number;
}

/** One scored id. Lists are ordered by score descending, then id ascending. */
export interface ScoredId {
  id: string;
  score: number;
}

/** Neighbourhood expansion request. */
export interface NeighborQuery {
  /** Seed item ids. */
  ids: string[];
  types: EdgeType[];
  /** Hops to expand (1..3). */
  hops: number;
  /** Neighbours must match this filter (cube, status, validity). */
  filter: ItemFilter;
  /** Most neighbours to return. */
  limit: number;
}

/** A neighbour reached from a seed. */
export interface Neighbor {
  seed: string;
  id: string;
  /** Type of the last edge on the path. */
  type: EdgeType;
  hops: number;
  /** Product of edge weights on the path. */
  weight: number;
}

/**
 * The source of truth: items, edges, versions, audit, users and cubes.
 * Backends: SQLite (embedded default), Neo4j, in-memory (tests). Every backend passes
 * the conformance suite in `src/testing/`.
 */
export interface GraphStore {
  /** Backend name, e.g. `sqlite`, `neo4j`. */
  readonly backend: string;
  /** Idempotent: creates schema, indexes, migrations. */
  setup(): Promise<void>;
  close(): Promise<void>;

  putUser(user: UserRecord): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;

  putCube(cube: MemCubeConfig): Promise<void>;
  getCube(id: string): Promise<MemCubeConfig | undefined>;
  listCubes(): Promise<MemCubeConfig[]>;
  /** Removes the cube and everything in it (items, edges, versions, audit). */
  deleteCube(id: string): Promise<void>;

  /** Applies the batch atomically. */
  write(batch: WriteBatch): Promise<void>;
  /** Items by id, in the order asked; unknown ids are left out. */
  getItems(ids: string[]): Promise<MemoryItem[]>;
  listItems(query: ListQuery): Promise<MemoryItem[]>;
  countItems(filter: ItemFilter): Promise<number>;
  /** Versions of one item, oldest first. */
  listVersions(itemId: string): Promise<VersionRecord[]>;
  /** Edges touching any of `ids` (either end), or every edge of the cubes when `ids` is absent. */
  listEdges(query: { cubeIds: string[]; ids?: string[]; types?: EdgeType[] }): Promise<MemoryEdge[]>;
  listAudit(query: { cubeId?: string; itemId?: string; limit?: number }): Promise<AuditRecord[]>;

  keywordStats(query: { terms: string[]; filter: ItemFilter }): Promise<KeywordStats>;
  keywordSearch(query: KeywordQuery): Promise<ScoredId[]>;
  neighbors(query: NeighborQuery): Promise<Neighbor[]>;

  /** Records vector sync state (outside version history: bookkeeping, not a change of the memory). */
  setVectorSyncState(ids: string[], state: VectorSyncState, embeddingModel?: string): Promise<void>;
  /** Increments accessCount and sets lastAccessedAt (behavioural indicators, no new version). */
  touch(ids: string[], at: string): Promise<void>;
}

/** Re-exported for backends. */
export type { CubeAclEntry };
