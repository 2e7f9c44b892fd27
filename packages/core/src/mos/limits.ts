/**
 * Documented input limits. Inputs past a limit are rejected with `InputTooLargeError` and nothing
 * is written. Override per MOS with `createMemOS({ limits })`.
 */
export interface MemosLimits {
  /** Characters in one message, plain text or update (default 32,000). */
  maxTextChars: number;
  /** Messages in one `add` call (default 1,000). */
  maxMessages: number;
  /** Characters in one document (default 2,000,000). */
  maxDocumentChars: number;
  /** Characters in a search query (default 4,000). */
  maxQueryChars: number;
  /** Largest `topK` / `limit` (default 1,000). */
  maxTopK: number;
  /** Tags on one item (default 64) and characters per tag (128). */
  maxTags: number;
  /** Metadata keys on one item (default 64). */
  maxMetadataKeys: number;
  /** Characters in one string metadata value (default 4,000). */
  maxMetadataValueChars: number;
  /**
   * Bytes in one file of a dump that `loadCube` reads (default 1 GiB); reading stops at the limit.
   * The whole dump is checked before anything is written, so a load holds it in memory (vectors as
   * float32).
   */
  maxDumpFileBytes: number;
  /** Lines (items, versions, edges or embeddings) in one file of a dump (default 1,000,000). */
  maxDumpLines: number;
  /** Bytes in one line of a dump (default 8 MiB); a longer line is refused before it is read whole. */
  maxDumpLineBytes: number;
}

export const DEFAULT_LIMITS: MemosLimits = {
  maxTextChars: 32_000,
  maxMessages: 1_000,
  maxDocumentChars: 2_000_000,
  maxQueryChars: 4_000,
  maxTopK: 1_000,
  maxTags: 64,
  maxMetadataKeys: 64,
  maxMetadataValueChars: 4_000,
  maxDumpFileBytes: 1024 * 1024 * 1024,
  maxDumpLines: 1_000_000,
  maxDumpLineBytes: 8 * 1024 * 1024,
};
