/**
 * Which retrieved memories are worth injecting into a prompt (shared by the AI SDK middleware, the
 * LangChain agent middleware and the LangGraph memory node).
 */
import type { MemoryItem } from '../spec/index.ts';

/** A memory with an optional relevance score (a `SearchHit` is one). */
export interface ScoredMemory {
  item: MemoryItem;
  score?: number;
}

/**
 * Default relevance floor of injected memories. Measured on the default lexical embedder (hybrid
 * search: vector + BM25 + graph, fused and scaled so that a memory matching the query's content words
 * scores about 1.0–1.2): the memories that answer a question scored 1.2, unrelated ones 0–0.35 and
 * loosely related ones 0.6–0.8, while the assistant replies stored next to a matching user turn rode
 * on the graph link at 0.75–0.81 (the adapters' middleware README sections). 0.5 keeps
 * the answering and loosely related memories and drops the long tail.
 */
export const DEFAULT_MIN_SCORE = 0.5;

/** Default weight of memories whose every source is the assistant: 0, i.e. never injected. */
export const DEFAULT_ASSISTANT_WEIGHT = 0;

/** Options of {@link relevantMemories}. */
export interface RelevantMemoriesOptions {
  /** Lowest (weighted) score injected. Memories without a score count as 1. */
  minScore: number;
  /** Multiplies the score of memories whose every source is the assistant (0..1). */
  assistantWeight: number;
  /** Ids not to repeat (already in the working-memory block). */
  exclude?: ReadonlySet<string>;
}

/**
 * True when every source of a memory is the assistant's own words: its acknowledgements ("Noted, I'll
 * keep that in mind"), restatements and guesses, which are no evidence about the user (what the user
 * said, documents and tool results are stored as their own memories).
 */
export function isAssistantMemory(item: MemoryItem): boolean {
  return item.sources.length > 0 && item.sources.every((source) => source.role === 'assistant');
}

/** The weighted score a memory is judged by (no score: 1). */
export function weightedScore(memory: ScoredMemory, assistantWeight: number): number {
  return (memory.score ?? 1) * (isAssistantMemory(memory.item) ? assistantWeight : 1);
}

/**
 * The memories worth injecting, in their rank order: not already in the working memory, not
 * repeated, and with a weighted score at or above the floor (the token budget then decides how many fit).
 */
export function relevantMemories<M extends ScoredMemory>(memories: readonly M[], options: RelevantMemoriesOptions): M[] {
  const seen = new Set(options.exclude);
  const kept: M[] = [];
  for (const memory of memories) {
    if (seen.has(memory.item.id)) continue;
    seen.add(memory.item.id);
    if (weightedScore(memory, options.assistantWeight) >= options.minScore) kept.push(memory);
  }
  return kept;
}
