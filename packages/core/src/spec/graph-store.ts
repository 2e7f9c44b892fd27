import type { CubeAclEntry, MemCubeConfig, UserRecord } from './mem-cube.ts';
import type { AuditRecord, EdgeType, MemoryEdge, MemoryItem, VectorSyncState, VersionRecord } from './memory-item.ts';
import type { ItemFilter, ListQuery } from './search.ts';

/** An item to write, with the keyword terms the core's tokenizer produced for it. */
export interface ItemWrite {
  item: MemoryItem;
  /** Tokens of `key + text + tags` (core `tokenize`), in order, with repeats: the BM25 document. */
  terms: string[];
  /**
   * Optimistic concurrency, checked inside the write transaction: `0` means the item must not
   * exist yet (a create), `N` that the stored item must be at version `N`. On a mismatch the
   * whole batch writes nothing and `write` throws `ConflictError` (reason `version-mismatch`).
   * Absent: no check (the write replaces whatever is stored). An id that carries it may appear
   * only once in a batch.
   */
  expectedVersion?: number;
}

/** An item id with the version a conditional bookkeeping write expects. */
export interface ItemVersionRef {
  id: string;
  /** The write applies only while the stored item is at this version. */
  version: number;
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
  /** Appended (insert-only: an existing audit id is never replaced). */
  audit?: AuditRecord[];
  /**
   * Cubes that must exist (and not be being deleted) when the batch commits, checked inside the
   * write transaction: a batch racing `deleteCube` fails with `NotFoundError` instead of leaving
   * orphans. The MOS sets it for every write into a cube.
   */
  requireCubes?: string[];
  /**
   * Access counts to record in the same transaction, exactly as `touch` does (no version,
   * `updatedAt` unchanged, unknown ids ignored): a search records its hits' accesses and its audit
   * record in one commit.
   */
  touch?: { ids: string[]; at: string };
}

/**
 * Which audit records to read (all conditions must hold). Results are ordered by `at`, then id,
 * in `direction` (default `asc`).
 */
export interface AuditQuery {
  /** Records of this cube. */
  cubeId?: string;
  /** Records naming this item (as `itemId` or in `itemIds`). */
  itemId?: string;
  /** Records of this actor. */
  actor?: string;
  /** Records of these actions (an empty list matches nothing). */
  actions?: string[];
  /** `at >= since` (ISO-8601). */
  since?: string;
  /** `at < until` (ISO-8601). */
  until?: string;
  limit?: number;
  direction?: 'asc' | 'desc';
}

/** What {@link GraphStore.forgetItems} removed. */
export interface ForgetItemsResult {
  /** Ids of the items removed (those of the asked ids that were in the cube). */
  ids: string[];
  /** Version records removed. */
  versions: number;
  /** Edges removed (either end on a removed item). */
  edges: number;
}

/** What {@link GraphStore.purgeUser} removed. */
export interface PurgeUserResult {
  /** Items owned by the user (in any cube), removed with their versions and edges. */
  items: { cubeId: string; id: string }[];
  /** Cubes whose access list named the user (the entry is gone). */
  aclCubes: string[];
  /** Whether the user record existed (it is gone). */
  user: boolean;
}

/**
 * Condition of a conditional {@link GraphStore.putCube}, checked in the same transaction as the
 * write (atomic against other writers of the record, in this process or another):
 * - `'absent'`: no cube with this id exists (one being deleted counts as existing until its
 *   deletion has finished); otherwise `ConflictError` (reason `duplicate`) and nothing written.
 * - `{ updatedAt }`: compare-and-set; the stored cube still has exactly this `updatedAt` (the one
 *   the caller read); otherwise, or when the cube is gone or being deleted, `ConflictError`
 *   (reason `version-mismatch`, worth a re-read and retry) and nothing written. The new record
 *   must carry a different `updatedAt` (else `ValidationError`), or a later writer that read
 *   either record would pass the check.
 */
export type PutCubeExpectation = 'absent' | { updatedAt: string };

/** Options of {@link GraphStore.putCube}. */
export interface PutCubeOptions {
  /** Write only under this condition (default: unconditional upsert). */
  expect?: PutCubeExpectation;
}

/** Options of {@link GraphStore.putUser}. */
export interface PutUserOptions {
  /**
   * `'absent'`: write only when no user with this id exists, checked in the write's transaction;
   * otherwise `ConflictError` (reason `duplicate`) and nothing written. Default: unconditional upsert.
   */
  expect?: 'absent';
}

/** A dump directory the runtime wrote (so that `forget` can remove forgotten data from it). */
export interface DumpRecord {
  /** Absolute path of the dump directory. */
  dir: string;
  cubeId: string;
  at: string;
}

/** Restricts an id lookup to some cubes. */
export interface ItemScope {
  /** Only items of these cubes (an empty list matches nothing). */
  cubeIds?: string[];
}

/** Which item's history to read: the cube is part of the query, never checked afterwards. */
export interface VersionQuery {
  cubeId: string;
  itemId: string;
}

/**
 * System-time travel over version history. Version rows are insert-only, so each version's
 * system-time interval is `[at, next version's at)`: the version *known at* K is the item's
 * highest version with `at <= K`.
 */
export interface KnownAtQuery {
  /** Only items of these cubes (an empty list matches nothing). */
  cubeIds: string[];
  /** The instant (ISO-8601 from `toISOString()`). */
  knownAt: string;
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

  /** Creates or replaces a user; with `expect: 'absent'` only creates (see {@link PutUserOptions}). */
  putUser(user: UserRecord, options?: PutUserOptions): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;

  /**
   * Creates or replaces a cube record; with `expect` only under that condition, checked atomically
   * with the write (see {@link PutCubeExpectation}).
   */
  putCube(cube: MemCubeConfig, options?: PutCubeOptions): Promise<void>;
  getCube(id: string): Promise<MemCubeConfig | undefined>;
  listCubes(): Promise<MemCubeConfig[]>;
  /**
   * Removes the cube and everything in it (items, edges, versions, keyword index entries); audit
   * records stay (append-only). From its start, writes with `requireCubes` naming it fail and
   * `getCube`/`listCubes` no longer return it.
   */
  deleteCube(id: string): Promise<void>;

  /** Applies the batch atomically. */
  write(batch: WriteBatch): Promise<void>;
  /**
   * Items by id, in the order asked; unknown ids are left out. With `cubeIds`, only items of those
   * cubes are returned (the scope is part of the store query: an id of another cube is "unknown").
   */
  getItems(ids: string[], options?: ItemScope): Promise<MemoryItem[]>;
  listItems(query: ListQuery): Promise<MemoryItem[]>;
  countItems(filter: ItemFilter): Promise<number>;
  /** Versions of one item of one cube, oldest first (none when the item is not in that cube). */
  listVersions(query: VersionQuery): Promise<VersionRecord[]>;
  /**
   * For every item of the cubes that had a version at `knownAt`: the version known then (see
   * {@link KnownAtQuery}), in item id order. Items first recorded after `knownAt` are left out;
   * items changed or deleted later appear as they were (a delete is a version with status `deleted`).
   */
  listVersionsKnownAt(query: KnownAtQuery): Promise<VersionRecord[]>;
  /** Edges touching any of `ids` (either end), or every edge of the cubes when `ids` is absent. */
  listEdges(query: { cubeIds: string[]; ids?: string[]; types?: EdgeType[] }): Promise<MemoryEdge[]>;
  listAudit(query: AuditQuery): Promise<AuditRecord[]>;

  /**
   * Hard-deletes items of one cube (ids of other cubes are ignored): the items, their versions,
   * edges touching them and their keyword index entries (postings, counters, full-text entries).
   * Audit records stay. Vectors are the vector store's (delete them too).
   */
  forgetItems(query: { cubeId: string; ids: string[] }): Promise<ForgetItemsResult>;
  /**
   * Removes everything about a user except cubes they own (delete those first with `deleteCube`)
   * and audit records: every item they own in any cube (with versions, edges, keyword entries),
   * their entries in every cube's access list, and their user record.
   */
  purgeUser(query: { userId: string }): Promise<PurgeUserResult>;
  /**
   * Makes removed data unrecoverable from the store's own files where the backend can (SQLite:
   * WAL checkpoint + VACUUM; a server backend does nothing). Returns false when it could not
   * finish (e.g. another connection held the WAL); calling it again later completes it.
   */
  compact(): Promise<boolean>;
  /** Registers a dump directory written by the runtime (replaces the record of the same dir). */
  recordDump(dump: DumpRecord): Promise<void>;
  /** Registered dumps of these cubes (all cubes when absent), ordered by dir. */
  listDumps(query: { cubeIds?: string[] }): Promise<DumpRecord[]>;
  /** Forgets the registration of these dump directories. */
  removeDumps(dirs: string[]): Promise<void>;

  keywordStats(query: { terms: string[]; filter: ItemFilter }): Promise<KeywordStats>;
  keywordSearch(query: KeywordQuery): Promise<ScoredId[]>;
  neighbors(query: NeighborQuery): Promise<Neighbor[]>;

  /**
   * Records vector sync state (outside version history: bookkeeping, not a change of the memory).
   * A bare id is updated whatever its version; an {@link ItemVersionRef} only while the stored item
   * is still at that version (checked atomically with the update), so a background writer never
   * labels a newer version with the state of the one it embedded. Resolves to the ids updated.
   */
  setVectorSyncState(ids: readonly (string | ItemVersionRef)[], state: VectorSyncState, embeddingModel?: string): Promise<string[]>;
  /** Increments accessCount and sets lastAccessedAt (behavioural indicators, no new version). */
  touch(ids: string[], at: string): Promise<void>;
}

/** Re-exported for backends. */
export type { CubeAclEntry };
