import type { GraphStore, ItemFilter, ScoredId } from '../spec/index.ts';
import { tokenize } from '../text/tokenize.ts';

/** BM25 parameters (Robertson/Lucene defaults). */
export interface Bm25Params {
  /** Term-frequency saturation (default 1.2). */
  k1: number;
  /** Length normalisation (default 0.75). */
  b: number;
}

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

/** Lucene's non-negative BM25 idf: `ln(1 + (N - df + 0.5) / (df + 0.5))`. */
export function bm25Idf(docCount: number, df: number): number {
  return Math.log(1 + (docCount - df + 0.5) / (df + 0.5));
}

/**
 * BM25 keyword search: the core tokenises the query and computes idf weights from the store's
 * statistics over the filtered items, and the store scores with the shared formula, so every
 * backend ranks the same way.
 */
export async function keywordSearch(options: { graph: Pick<GraphStore, 'keywordStats' | 'keywordSearch'>; query: string; filter: ItemFilter; limit: number; params?: Bm25Params }): Promise<ScoredId[]> {
  const params = options.params ?? DEFAULT_BM25;
  const terms = [...new Set(tokenize(options.query))];
  if (terms.length === 0) return [];
  const stats = await options.graph.keywordStats({ terms, filter: options.filter });
  if (stats.docCount === 0) return [];
  const weights: Record<string, number> = {};
  for (const term of terms) {
    const df = stats.df[term] ?? 0;
    if (df > 0) weights[term] = bm25Idf(stats.docCount, df);
  }
  if (Object.keys(weights).length === 0) return [];
  const avgDocLength = Math.max(stats.totalLength / stats.docCount, 1e-9);
  return options.graph.keywordSearch({ weights, k1: params.k1, b: params.b, avgDocLength, filter: options.filter, limit: options.limit });
}
