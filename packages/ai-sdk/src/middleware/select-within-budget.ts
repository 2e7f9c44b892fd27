import type { SessionMemory } from './get-session-memories.ts';

/** Approximate token count: `ceil(characters / 4)`. */
export function approximateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Input of {@link selectWithinBudget}. */
export interface SelectWithinBudgetOptions {
  /** Memories in rank order (best first). */
  memories: readonly SessionMemory[];
  /** Most tokens the formatted message may take. */
  tokenBudget: number;
  /** Renders memories into the message text. */
  format: (memories: readonly SessionMemory[]) => string;
  /** Counts tokens of a text (default {@link approximateTokens}). */
  countTokens?: (text: string) => number;
}

/**
 * Keeps the longest rank-prefix of `memories` whose formatted message fits the token budget:
 * the lowest-ranked memories are dropped first, and a memory is never skipped for a lower-ranked
 * one that happens to be shorter (so the choice is stable and the prefix deterministic).
 */
export function selectWithinBudget(options: SelectWithinBudgetOptions): { memories: SessionMemory[]; text: string } {
  const count = options.countTokens ?? approximateTokens;
  let chosen: SessionMemory[] = [];
  let text = '';
  for (let n = 1; n <= options.memories.length; n++) {
    const candidate = options.memories.slice(0, n);
    const candidateText = options.format(candidate);
    if (count(candidateText) > options.tokenBudget) break;
    chosen = candidate;
    text = candidateText;
  }
  return { memories: chosen, text };
}
