import type { MemoryItem, SearchHit } from '@memos-js/core';

/** Options of {@link formatMemories}. */
export interface FormatMemoriesOptions {
  /** First line of the block (default: {@link DEFAULT_MEMORY_HEADER}). */
  header?: string;
  /**
   * Character budget of the whole block (default 4,000, about 1,000 tokens). Memories are kept in
   * rank order until the next one would not fit; the kept ones are then laid out oldest first.
   */
  maxChars?: number;
  /** Prefix each line with its date and memory type (default true). */
  showDates?: boolean;
}

/** Default first line of a memory block. */
export const DEFAULT_MEMORY_HEADER = 'Relevant memories (oldest first):';

/** Default character budget of a memory block. */
export const DEFAULT_MEMORY_MAX_CHARS = 4_000;

/** When a memory happened: its earliest source chat time, else its validity start, else when it was stored. */
export function memoryTime(item: MemoryItem): string {
  const chatTimes = item.sources.map((s) => s.chatTime).filter((t): t is string => typeof t === 'string').sort();
  return chatTimes[0] ?? item.validAt ?? item.createdAt;
}

function line(item: MemoryItem, showDates: boolean): string {
  const text = item.text.replace(/\s+/g, ' ').trim();
  return showDates ? `- [${memoryTime(item).slice(0, 10)} · ${item.memoryType}] ${text}` : `- ${text}`;
}

/**
 * Lays memories out as one deterministic text block: the same memories always give byte-identical
 * text (whatever their scores or the order they came in), so a prompt prefix built from it stays
 * cacheable. Returns `''` when there is nothing to show.
 *
 * @param memories Search hits (best first) or items; hits are budgeted in that order.
 */
export function formatMemories(memories: ReadonlyArray<SearchHit | MemoryItem>, options: FormatMemoriesOptions = {}): string {
  const header = options.header ?? DEFAULT_MEMORY_HEADER;
  const maxChars = options.maxChars ?? DEFAULT_MEMORY_MAX_CHARS;
  const showDates = options.showDates ?? true;
  const items = memories.map((m) => ('item' in m ? m.item : m));
  const seen = new Set<string>();
  const kept: MemoryItem[] = [];
  let size = header.length;
  for (const item of items) {
    if (seen.has(item.id)) continue;
    const cost = line(item, showDates).length + 1;
    if (size + cost > maxChars) break;
    seen.add(item.id);
    kept.push(item);
    size += cost;
  }
  if (kept.length === 0) return '';
  kept.sort((a, b) => {
    const ta = memoryTime(a);
    const tb = memoryTime(b);
    if (ta !== tb) return ta < tb ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return [header, ...kept.map((item) => line(item, showDates))].join('\n');
}
