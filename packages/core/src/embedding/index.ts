export { createLexicalEmbedder, type LexicalEmbedder, type LexicalEmbedderOptions } from './lexical-embedder.ts';
export { createLlamaCppEmbedder, type LlamaCppEmbedder, type LlamaCppEmbedderOptions } from './llama-cpp-embedder.ts';
export { l2Normalize, nullVector } from './normalize-vector.ts';
