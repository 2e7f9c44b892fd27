import type { MemoryItem } from '@memos-js/core';
import type { MemoryView } from './chat-types.ts';

/** The page's view of a memory item (id, text, type, who said it, score when it is a search hit). */
export function toMemoryView(item: MemoryItem, score?: number): MemoryView {
  const source = item.sources[0];
  const who = source?.speaker ?? source?.role;
  return {
    id: item.id,
    text: item.text,
    memoryType: item.memoryType,
    createdAt: item.createdAt,
    ...(who !== undefined ? { source: who } : {}),
    ...(score !== undefined ? { score } : {}),
  };
}
