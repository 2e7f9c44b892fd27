export { createChromaVectorStore } from './create-chroma-vector-store.ts';
export { ChromaVectorStore } from './chroma-vector-store.ts';
export { DEFAULT_COLLECTION_PREFIX, DEFAULT_EF_SEARCH, DEFAULT_MAX_QUERY_RESULTS, collectionName, type ChromaEndpoint, type ChromaVectorStoreOptions } from './chroma-options.ts';
export { CHROMA_LAYOUT } from './chroma-spaces.ts';
export { toChromaStorageError, isRetryableChromaError } from './chroma-errors.ts';
