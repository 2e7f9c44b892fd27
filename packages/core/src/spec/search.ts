import type { MemoryItem, MemoryStatus, MemoryType, MetadataValue } from './memory-item.ts';

/** Filters shared by search and getAll; backends translate them into parameterised queries. */
export interface ItemFilter {
  /** Restrict to these cubes (always set by the MOS from the caller's access). */
  cubeIds?: string[];
  ownerId?: string;
  sessionId?: string;
  ids?: string[];
  /** Default: `['active']`, or the statuses that can be valid at `asOf` when it is set. */
  statuses?: MemoryStatus[];
  memoryTypes?: MemoryType[];
  /** Item has at least one of these tags. */
  tagsAny?: string[];
  /** Item has all of these tags. */
  tagsAll?: string[];
  /** Exact equality on metadata keys. */
  metadata?: Record<string, MetadataValue>;
  /** createdAt >= this (ISO-8601). */
  createdFrom?: string;
  /** createdAt < this (ISO-8601). */
  createdTo?: string;
  /** validAt >= this (ISO-8601); items without validAt are excluded when validFrom/validTo is set. */
  validFrom?: string;
  /** validAt < this (ISO-8601). */
  validTo?: string;
  /**
   * World-time travel: only items whose fact held at this instant
   * (`(validAt ?? createdAt) <= asOf < invalidAt`; a missing `invalidAt` is open). An item without
   * `validAt` counts as valid from when it was recorded, never "since forever".
   */
  asOf?: string;
  /**
   * System-time travel. In a store query this is a predicate on the item row as it is now
   * (`createdAt <= knownAt < expiredAt`; a missing `expiredAt` is open). The MOS answers a caller's
   * `knownAt` from version history instead (`GraphStore.listVersionsKnownAt`): each item as the
   * version that was current at that instant, so text, status and validity are those of then.
   */
  knownAt?: string;
  /**
   * TTL: leaves out items whose `expiresAt` is at or before this instant, unless they are pinned
   * (`pinned or expiresAt absent or expiresAt > expiresAfter`). The MOS sets it to the query's
   * system time (now, or `knownAt`) whenever the statuses asked for do not include `expired`, so
   * an item past its TTL counts as expired before the sweep has run.
   */
  expiresAfter?: string;
  /**
   * TTL, the other way round (what the lifecycle sweep looks for): only items past their TTL at
   * this instant (`not pinned and expiresAt <= expiredBy`).
   */
  expiredBy?: string;
}

/** A search request, as the MOS receives it. */
export interface SearchQuery {
  query: string;
  userId: string;
  /** Cubes to search; default: every cube the user can read. */
  cubeIds?: string[];
  /** Number of results. Default 10. */
  topK?: number;
  filter?: Omit<ItemFilter, 'cubeIds' | 'asOf' | 'knownAt'>;
  /** World-time travel (ISO-8601 or Date): facts true at that time, including since-invalidated ones. */
  asOf?: string | Date;
  /** System-time travel: what the system knew at that time. */
  knownAt?: string | Date;
  /** Per-signal weights for fusion; default `{ vector: 1, keyword: 1, graph: 0.5 }`. */
  weights?: Partial<SignalWeights>;
}

/** Weights of each retrieval signal in reciprocal rank fusion. */
export interface SignalWeights {
  vector: number;
  keyword: number;
  graph: number;
}

/** Each signal's contribution for one hit: raw score and 1-based rank in that signal's list. */
export interface SignalBreakdown {
  vector?: { score: number; rank: number };
  keyword?: { score: number; rank: number };
  graph?: { score: number; rank: number; via: string };
}

/** One search hit. */
export interface SearchHit {
  item: MemoryItem;
  /** Fused score (score or rank fusion of the signals, see `HybridSearchConfig.fusion`). */
  score: number;
  signals: SignalBreakdown;
}

/** The result of a search. */
export interface SearchResult {
  hits: SearchHit[];
  /** Milliseconds spent in each stage. */
  timings: { embedMs: number; storeMs: number; totalMs: number };
}

/** Pagination and filter for getAll. */
export interface ListQuery {
  filter: ItemFilter;
  limit: number;
  offset: number;
  /** Default `createdAt`; ties broken by id in the same direction (`desc` is the exact reverse of `asc`). */
  order?: 'createdAt' | 'updatedAt';
  direction?: 'asc' | 'desc';
}
