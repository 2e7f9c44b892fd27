import { renderRecalledNotes, type MemoryItem, type SearchHit } from '@memos-js/core';

/** Options of {@link formatMemories}. */
export interface FormatMemoriesOptions {
  /** Sentence after the block's not-instructions preamble (default: {@link DEFAULT_MEMORY_HEADER}). */
  header?: string;
  /**
   * Character budget of the whole block (default 4,000, about 1,000 tokens). Memories are kept in
   * rank order until the next one would not fit; the kept ones are then laid out oldest first.
   */
  maxChars?: number;
  /** Prefix each line with its date and memory type (default true). */
  showDates?: boolean;
  /** What the block holds (`retrieved` by default, `working-memory` for the stable block): the tag's `kind`. */
  kind?: 'retrieved' | 'working-memory';
  /** Working-memory version, shown in the tag so the stable block changes exactly with it. */
  version?: number;
}

/** Default sentence after the preamble of a memory block. */
export const DEFAULT_MEMORY_HEADER = 'Relevant memories, oldest first.';

/** Default character budget of a memory block. */
export const DEFAULT_MEMORY_MAX_CHARS = 4_000;

/** When a memory happened: its earliest source chat time, else its validity start, else when it was stored. */
export function memoryTime(item: MemoryItem): string {
  const chatTimes = item.sources.map((s) => s.chatTime).filter((t): t is string => typeof t === 'string').sort();
  return chatTimes[0] ?? item.validAt ?? item.createdAt;
}

function render(items: readonly MemoryItem[], options: FormatMemoriesOptions): string {
  return renderRecalledNotes({
    kind: options.kind ?? 'retrieved',
    description: options.header ?? DEFAULT_MEMORY_HEADER,
    ...(options.version !== undefined ? { attributes: { version: String(options.version) } } : {}),
    notes: items.map((item) => ({ text: item.text, ...(options.showDates !== false ? { provenance: `${memoryTime(item).slice(0, 10)} · ${item.memoryType}` } : {}) })),
  });
}

/**
 * Lays memories out as one deterministic quoted-data block (`renderRecalledNotes` of
 * `@memos-js/core`: a `<memos-notes>` tag, the not-instructions preamble, one JSON-quoted line per
 * memory, `- [2024-03-03 · fact] "text"`): the same memories always give byte-identical text
 * (whatever their scores or the order they came in), so a prompt prefix built from it stays
 * cacheable, and a stored instruction or fake closing tag stays quoted. Returns `''` when there is nothing to show.
 *
 * @param memories Search hits (best first) or items; hits are budgeted in that order.
 */
export function formatMemories(memories: ReadonlyArray<SearchHit | MemoryItem>, options: FormatMemoriesOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_MEMORY_MAX_CHARS;
  const items = memories.map((m) => ('item' in m ? m.item : m));
  const seen = new Set<string>();
  const kept: MemoryItem[] = [];
  for (const item of items) {
    if (seen.has(item.id)) continue;
    if (render([...kept, item], options).length > maxChars) break;
    seen.add(item.id);
    kept.push(item);
  }
  if (kept.length === 0) return '';
  if (options.kind !== 'working-memory') {
    kept.sort((a, b) => {
      const ta = memoryTime(a);
      const tb = memoryTime(b);
      if (ta !== tb) return ta < tb ? -1 : 1;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
  }
  return render(kept, options);
}
