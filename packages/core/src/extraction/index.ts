export {
  createFastMemReader,
  type ChatMessageInput,
  type DocumentInput,
  type FastMemReaderOptions,
  type MemoryDraft,
  type MemReader,
} from './mem-reader.ts';
export { parseChatTime } from './parse-chat-time.ts';
export { chunkText, type ChunkTextOptions } from './chunk-text.ts';
export { extractKeyTerms, type ExtractKeyTermsOptions } from './extract-key-terms.ts';
