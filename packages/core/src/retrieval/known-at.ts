import { itemWrite } from '../memory/textual/item-terms.ts';
import type { ActorScope } from '../governance/actor-scope.ts';
import type { GraphStore, ItemFilter, ListQuery, MemCubeConfig, MemoryItem, VectorStore } from '../spec/index.ts';
import { compareItems } from '../storage/item-filter/compare-items.ts';
import { matchesFilter } from '../storage/item-filter/matches-filter.ts';
import { hybridSearch, type HybridSearchRequest, type HybridSearchResult } from './hybrid-search.ts';
import { createSnapshotIndex } from './snapshot-index.ts';

/*
 * System-time travel (`knownAt`). The store's rows hold only today's state, so a `knownAt` query is
 * answered from version history: each item of the cubes as the version that was current at the
 * instant (`GraphStore.listVersionsKnownAt`: the highest version with `at <= knownAt`; version rows
 * are insert-only). Items first recorded later are absent; items changed, deleted or expired later
 * appear with the text, status, validity and TTL of then. The rest of the filter (statuses, asOf,
 * TTL, tags, ...) is then applied to those snapshots with the reference semantics (`matchesFilter`).
 *
 * Search under `knownAt` runs the normal hybrid pipeline (vector + BM25 + graph expansion, same
 * fusion and tie-breaking) over an in-memory index of the matching snapshots: BM25 statistics and
 * scores over the snapshot texts, cosine similarity against each snapshot's vector (the stored one
 * when the item's text has not changed since, else the snapshot text embedded now), graph
 * neighbours over the edges that existed then. Correctness over speed: the cost is linear in the
 * cubes' items (and embeds changed texts), acceptable for this rare query.
 */

/** Vectors read, and texts embedded, per request. */
const BATCH = 256;

function chunks<T>(values: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** Cubes whose deleted items the actor may see: those they may restore them in (`write`). */
export function restorableCubes(scope: ActorScope, cubes: readonly MemCubeConfig[]): string[] {
  return cubes.filter((cube) => scope.can(cube, 'write')).map((cube) => cube.id);
}

/** The filter with `knownAt` (system-time travel) and the store scope. */
export type KnownAtFilter = ItemFilter & { cubeIds: string[]; knownAt: string };

/**
 * Every item of the filter's cubes as the version known at `filter.knownAt`, that matches the rest
 * of the filter. `restorable`: the cubes whose deleted items the actor may see (those they may
 * restore); in the other cubes an item deleted since is left out (a deleted item exists only for
 * those who may restore it). Default: every cube of the filter.
 */
export async function snapshotsKnownAt(graph: GraphStore, filter: KnownAtFilter, restorable?: readonly string[]): Promise<MemoryItem[]> {
  const { knownAt, ...rest } = filter;
  const versions = await graph.listVersionsKnownAt({ cubeIds: filter.cubeIds, knownAt });
  // A version belongs to the item and cube it is stored under, whatever its snapshot says.
  let items = versions.map((v) => ({ ...v.snapshot, id: v.itemId, cubeId: v.cubeId })).filter((item) => matchesFilter(item, rest));
  const hidden = restorable === undefined ? [] : filter.cubeIds.filter((cubeId) => !restorable.includes(cubeId));
  if (hidden.length > 0) {
    const check = items.filter((item) => hidden.includes(item.cubeId));
    const live = new Map((await graph.getItems(check.map((item) => item.id), { cubeIds: hidden })).map((item) => [item.id, item]));
    items = items.filter((item) => !hidden.includes(item.cubeId) || (live.get(item.id)?.status ?? 'deleted') !== 'deleted');
  }
  return items;
}

/** `listItems` + `countItems` under `knownAt`: same order, ties and pagination as the stores. */
export async function listKnownAt(
  graph: GraphStore,
  query: Omit<ListQuery, 'filter'> & { filter: KnownAtFilter; restorable?: readonly string[] },
): Promise<{ items: MemoryItem[]; total: number }> {
  const all = (await snapshotsKnownAt(graph, query.filter, query.restorable)).sort((a, b) => compareItems(a, b, query));
  return { items: all.slice(query.offset, query.offset + query.limit), total: all.length };
}

/** Hybrid search over the versions known at `filter.knownAt` (see the module comment). */
export async function searchKnownAt(
  request: Omit<HybridSearchRequest, 'graph' | 'vector' | 'filter'> & { graph: GraphStore; vector: VectorStore; filter: KnownAtFilter; restorable?: readonly string[] },
): Promise<HybridSearchResult> {
  const { graph, vector, embedder, filter, restorable: _restorable, ...search } = request;
  const items = await snapshotsKnownAt(graph, filter, request.restorable);
  const terms = new Map(items.map((item) => [item.id, itemWrite(item).terms]));
  const vectors = new Map<string, number[]>();
  if (request.config.weights.vector > 0 && items.length > 0) {
    const live = new Map((await graph.getItems(items.map((i) => i.id), { cubeIds: filter.cubeIds })).map((item) => [item.id, item]));
    const unchanged = items.filter((item) => {
      const now = live.get(item.id);
      return now !== undefined && now.text === item.text && now.status !== 'deleted' && now.vectorSyncState === 'synced';
    });
    for (const ids of chunks(unchanged.map((i) => i.id), BATCH)) {
      for (const record of await vector.get({ space: embedder, ids })) vectors.set(record.id, record.vector);
    }
    const toEmbed = items.filter((item) => !vectors.has(item.id));
    const byText = new Map<string, number[]>();
    for (const texts of chunks([...new Set(toEmbed.map((item) => item.text))], BATCH)) {
      const embedded = await embedder.embed(texts);
      texts.forEach((text, i) => byText.set(text, embedded[i] ?? []));
    }
    for (const item of toEmbed) vectors.set(item.id, byText.get(item.text) ?? []);
  }
  const edges = (await graph.listEdges({ cubeIds: filter.cubeIds })).filter((edge) => edge.createdAt <= filter.knownAt);
  const index = createSnapshotIndex({ items, terms, vectors, edges });
  const { knownAt: _knownAt, ...rest } = filter;
  return hybridSearch({ ...search, embedder, graph: index.graph, vector: index.vector, filter: rest });
}
