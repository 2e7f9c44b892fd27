import type { RedactionMark } from '../spec/memory-item.ts';

/** What one redaction pass returned: the masked text and what it masked (kinds and counts, never values). */
export interface RedactionResult {
  text: string;
  /** One entry per kind with at least one match. */
  marks: RedactionMark[];
}

/**
 * A redaction step applied to every string a memory stores (text, key, tags, metadata string values)
 * before anything is stored or embedded. Must be synchronous, deterministic and idempotent
 * (redacting its own output masks nothing more).
 */
export interface Redactor {
  /** Name for logs and the audit (e.g. `default`). */
  readonly name: string;
  redact(text: string): RedactionResult;
  /**
   * Counts the masks this redactor writes that `text` already contains (optional). The MOS masks
   * chat messages and documents before the reader derives keys and tags from them; with this it
   * still records per item what was masked in it (without it, only what the pass over the reader's
   * drafts masks is recorded, and inputs are masked after the reader).
   */
  countMasks?(text: string): RedactionMark[];
}

/** Sums marks by kind (kinds in first-seen order); drops zero counts. */
export function mergeRedactionMarks(...lists: readonly (readonly RedactionMark[] | undefined)[]): RedactionMark[] {
  const counts = new Map<string, number>();
  for (const list of lists) for (const mark of list ?? []) if (mark.count > 0) counts.set(mark.kind, (counts.get(mark.kind) ?? 0) + mark.count);
  return [...counts].map(([kind, count]) => ({ kind, count }));
}
