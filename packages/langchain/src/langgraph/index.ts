/**
 * `@memos-js/langchain/langgraph`: LangGraph store, memory nodes (needs `@langchain/langgraph`).
 */
export { MemOSStore, type MemOSStoreOptions } from './memos-store.ts';
export { createMemoryNode, createRememberNode, memoryMessages, MemoriesAnnotation, type MemoryMessagesOptions, type WorkingMemoryState, type MemoryNodeOptions, type MemoryNodeStoreOptions, type RememberNodeOptions, type RetrievedMemory } from './memory-node.ts';
export { matchesValueFilter, matchesNamespace } from './store-filter.ts';
