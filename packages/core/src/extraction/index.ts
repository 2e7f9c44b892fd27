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
export {
  generateObject, toJsonSchema, DEFAULT_OBJECT_RETRIES, DEFAULT_OBJECT_TIMEOUT_MS, DEFAULT_MAX_ANSWER_CHARS, DEFAULT_MAX_KEPT_CHARS,
  type GenerateObjectOptions, type GenerateObjectResult,
} from './generate-object.ts';
export { parseModelJson, stripCodeFences, type ParsedModelJson } from './parse-model-json.ts';
