import type { EmbedderInfo } from './mem-cube.ts';

/** Turns text into vectors. Implementations must be deterministic for a given fingerprint. */
export interface Embedder extends EmbedderInfo {
  /** Embed documents (stored items). Vectors are L2-normalised, `dimension` long. */
  embed(texts: string[]): Promise<number[][]>;
  /** Embed a query; defaults to `embed` for symmetric embedders. */
  embedQuery?(text: string): Promise<number[]>;
  close?(): Promise<void>;
}
