import type { EmbedderInfo } from './mem-cube.ts';

/**
 * Turns text into vectors. Implementations must be deterministic for a given fingerprint and never
 * return a zero or non-finite vector (cosine must be defined). `fingerprint` and `dimension` may
 * only be valid after `setup()` resolves (model-based embedders learn them on load); the MOS calls
 * `setup()` from its own `setup()`.
 */
export interface Embedder extends EmbedderInfo {
  /**
   * `lexical` embedders (hashed word/character features) overlap with BM25, so hybrid search
   * gives them a small default weight; `semantic` (the default) embedders get full weight.
   */
  readonly kind?: 'lexical' | 'semantic';
  /** Loads models etc. Idempotent. */
  setup?(): Promise<void>;
  /** Embed documents (stored items). Vectors are L2-normalised, `dimension` long. */
  embed(texts: string[]): Promise<number[][]>;
  /** Embed a query; defaults to `embed` for symmetric embedders. */
  embedQuery?(text: string): Promise<number[]>;
  close?(): Promise<void>;
}
