import type { MemOS, MemoryItem } from '@memos-js/core';

/** One memory chosen for a turn, in rank order (best first). A `SearchHit` is one. */
export interface SessionMemory {
  item: MemoryItem;
  /** Relevance score (fused RRF score for search hits); informative only, order is what counts. */
  score?: number;
}

/** What the middleware asks for when it needs a turn's memories. */
export interface SessionMemoriesRequest {
  /** The runtime to read from. */
  mos: MemOS;
  /** Acting user. */
  userId: string;
  /** Cubes to read (undefined: every cube the user can read). */
  cubeIds?: string[];
  /** Conversation id (a scheduler keeps per-session working memory; search ignores it). */
  sessionId?: string;
  /** Latest user message text (may be empty, e.g. a prompt without user text). */
  query: string;
  /** Most memories wanted. */
  topK: number;
  /** Aborts with the model call. */
  abortSignal?: AbortSignal;
}

/**
 * The one function the middleware calls to get a session's memories: today a hybrid
 * `mos.search` (vector + BM25 + graph, fused with RRF) on the latest user message within the
 * cubes, best first (score descending, then id, as search returns). A scheduler keeping
 * per-session working memory can replace it through the middleware's `retrieve` option.
 * An empty query yields no memories; a query longer than the MOS limit is cut to it.
 */
export async function getSessionMemories(request: SessionMemoriesRequest): Promise<SessionMemory[]> {
  const query = request.query.trim().slice(0, request.mos.limits.maxQueryChars);
  if (query.length === 0 || request.topK < 1) return [];
  request.abortSignal?.throwIfAborted();
  const { hits } = await request.mos.search({
    userId: request.userId,
    query,
    topK: Math.min(request.topK, request.mos.limits.maxTopK),
    ...(request.cubeIds ? { cubeIds: request.cubeIds } : {}),
  });
  return hits;
}
