/** One ranked list entering fusion. */
export interface RankedList {
  name: string;
  weight: number;
  /** Ids best first. */
  ids: string[];
}

/** A fused entry: the fused score and the 1-based rank in each list it appeared in. */
export interface FusedEntry {
  id: string;
  score: number;
  ranks: Record<string, number>;
}

/**
 * Weighted reciprocal rank fusion: `score(d) = sum_l weight_l / (k + rank_l(d))`.
 * Ordered by score descending, then id ascending (deterministic on ties). Scores are rounded
 * to 12 significant digits before ordering so backends that differ in the last float bits agree.
 */
export function reciprocalRankFusion(lists: RankedList[], k = 60): FusedEntry[] {
  const fused = new Map<string, FusedEntry>();
  for (const list of lists) {
    if (list.weight <= 0) continue;
    list.ids.forEach((id, index) => {
      let entry = fused.get(id);
      if (!entry) {
        entry = { id, score: 0, ranks: {} };
        fused.set(id, entry);
      }
      if (entry.ranks[list.name] !== undefined) return;
      entry.ranks[list.name] = index + 1;
      entry.score += list.weight / (k + index + 1);
    });
  }
  const entries = [...fused.values()];
  for (const entry of entries) entry.score = roundScore(entry.score);
  return entries.sort(compareScored);
}

/** Rounds to 12 significant digits (stable ordering across backends). */
export function roundScore(score: number): number {
  return score === 0 ? 0 : Number(score.toPrecision(12));
}

/** Score descending, then id ascending. */
export function compareScored(a: { id: string; score: number }, b: { id: string; score: number }): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
