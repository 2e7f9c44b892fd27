import type { ChromaVectorStoreOptions } from './chroma-options.ts';
import { ChromaVectorStore } from './chroma-vector-store.ts';

/**
 * Creates a {@link ChromaVectorStore} for a Chroma server (>= 1.0, HTTP API v2). Needs the optional
 * peer dependency `chromadb` (`npm install chromadb`), imported on `setup()`. Nothing connects until
 * `setup()`.
 *
 * @example
 * const vector = createChromaVectorStore({ url: 'http://127.0.0.1:8000' });
 * await vector.setup();
 * const mos = createMemOS({ storage: { kind: 'custom', graph, vector } });
 */
export function createChromaVectorStore(options: ChromaVectorStoreOptions): ChromaVectorStore {
  return new ChromaVectorStore(options);
}
