import { compareScored, roundScore, type FusedEntry } from './reciprocal-rank-fusion.ts';

/** One scored list entering score fusion (higher is better). */
export interface ScoredList {
  name: string;
  weight: number;
  /** Best first. */
  hits: { id: string; score: number }[];
}

/**
 * Weighted score fusion (a convex combination of normalised scores): each list's scores are
 * divided by the list's best score, so every signal contributes in [0, weight];
 * `score(d) = sum_l weight_l * score_l(d) / max_l`. Unlike rank fusion it keeps how much better
 * one hit is than the next, so a weak hit in several lists cannot outrank a strong hit in two.
 * Ties break on id; scores are rounded to 12 significant digits (backend-stable ordering).
 */
export function scoreFusion(lists: ScoredList[]): FusedEntry[] {
  const fused = new Map<string, FusedEntry>();
  for (const list of lists) {
    if (list.weight <= 0 || list.hits.length === 0) continue;
    const best = Math.max(...list.hits.map((h) => h.score));
    if (!(best > 0)) continue;
    list.hits.forEach((hit, index) => {
      let entry = fused.get(hit.id);
      if (!entry) {
        entry = { id: hit.id, score: 0, ranks: {} };
        fused.set(hit.id, entry);
      }
      if (entry.ranks[list.name] !== undefined) return;
      entry.ranks[list.name] = index + 1;
      entry.score += (list.weight * Math.max(0, hit.score)) / best;
    });
  }
  const entries = [...fused.values()];
  for (const entry of entries) entry.score = roundScore(entry.score);
  return entries.sort(compareScored);
}
