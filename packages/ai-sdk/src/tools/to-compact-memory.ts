import type { MemoryItem } from '@memos-js/core';

/** A memory as tools return it to a model: small and JSON-able. */
export interface CompactMemory {
  id: string;
  text: string;
  memoryType: string;
  cubeId: string;
  /** Date of the memory (chat time of its source, else validity or creation date), `YYYY-MM-DD`. */
  date: string;
  /** Who said it, when known. */
  speaker?: string;
  tags?: string[];
  /** Search relevance (fused score), for search results. */
  score?: number;
  version: number;
}

/** Turns a memory item (and optional search score) into a {@link CompactMemory}. */
export function toCompactMemory(item: MemoryItem, score?: number): CompactMemory {
  const source = item.sources[0];
  return {
    id: item.id,
    text: item.text,
    memoryType: item.memoryType,
    cubeId: item.cubeId,
    date: (source?.chatTime ?? item.validAt ?? item.createdAt).slice(0, 10),
    ...(source?.speaker !== undefined ? { speaker: source.speaker } : {}),
    ...(item.tags.length > 0 ? { tags: [...item.tags] } : {}),
    ...(score !== undefined ? { score: Math.round(score * 1e6) / 1e6 } : {}),
    version: item.version,
  };
}
