import type { ItemWrite, MemoryItem } from '../../spec/index.ts';
import { tokenize } from '../../text/tokenize.ts';

/** The BM25 document of an item: its text's terms. */
export function itemWrite(item: MemoryItem): ItemWrite {
  return { item, terms: tokenize(item.text) };
}
