/**
 * `@memos-js/langchain`: MemOS.js for LangChain.js (needs only `@langchain/core`).
 * Agent middleware: `@memos-js/langchain/agents`; LangGraph store and nodes: `@memos-js/langchain/langgraph`.
 */
export { MemOSRetriever, hitToDocument, type MemOSRetrieverOptions, type MemOSDocumentMetadata } from './memos-retriever.ts';
export { MemOSChatMessageHistory, type MemOSChatMessageHistoryOptions } from './memos-chat-message-history.ts';
export { MemOSMemory, type MemOSMemoryOptions } from './memos-memory.ts';
export { createMemoryTools, type MemoryToolsOptions, type ToolMemory } from './create-memory-tools.ts';
export { embedderFromLangChain, type EmbedderFromLangChainOptions } from './adapters/embedder-from-langchain.ts';
export { languageModelPortFromLangChain, type LanguageModelPortFromLangChainOptions } from './adapters/language-model-port-from-langchain.ts';
export { formatMemories, memoryTime, DEFAULT_MEMORY_HEADER, DEFAULT_MEMORY_MAX_CHARS, type FormatMemoriesOptions } from './format/format-memories.ts';
export { checkScopeOptions, resolveScope, type MemOSScope, type ScopeOptions, type ScopeResolver, type ScopeSource } from './scope/resolve-scope.ts';
