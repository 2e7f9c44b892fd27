/**
 * @memos-js/ai-sdk — MemOS.js for the Vercel AI SDK (ai@7, V4 model spec): memory middleware,
 * memory tools, adapters from AI SDK models to the core's ports, and a node-llama-cpp model.
 */
export { memosMiddleware, type MemosMiddleware } from './middleware/memos-middleware.ts';
export type { MemosMiddlewareOptions, MemosInjectedEvent, MemosWrittenEvent, MemosErrorEvent, MemosPlacement, WorkingMemoryView, WorkingMemoryRequest, AfterTurnEvent } from './middleware/memos-middleware-options.ts';
export { resolveFromProviderOptions, resolveCallContext, type MemosCallContext, type MemosIdentityResolver, type CallContextOptions } from './middleware/memos-call-context.ts';
export { getSessionMemories, type SessionMemory, type SessionMemoriesRequest } from './middleware/get-session-memories.ts';
export { formatMemories, memoryNote, readMemoryBlocks, MEMORY_HEADER, type MemoryBlockInfo, type ReadMemoryBlock } from './middleware/format-memories.ts';
export { prefixHash, promptCacheKey } from './middleware/provider-cache-options.ts';
export { selectWithinBudget, approximateTokens, type SelectWithinBudgetOptions } from './middleware/select-within-budget.ts';
export { injectMemoryMessage, injectMemoryBlocks, type InjectMemoryBlocksOptions, type RetrievedPlacement, type WorkingMemoryPlacement } from './middleware/inject-memory-message.ts';
export { latestUserText } from './middleware/latest-user-text.ts';

export {
  memosTools, type MemosTools, type MemosToolsOptions, type SearchMemoriesInput, type AddMemoryInput, type UpdateMemoryInput, type ForgetMemoryInput,
  type SearchMemoriesOutput, type AddMemoryOutput, type UpdateMemoryOutput, type ForgetMemoryOutput,
} from './tools/memos-tools.ts';
export { toCompactMemory, type CompactMemory } from './tools/to-compact-memory.ts';
export type { ToolErrorResult } from './tools/tool-error-result.ts';

export { embedderFromAiSdk, type AiSdkEmbedder, type EmbedderFromAiSdkOptions } from './adapters/embedder-from-ai-sdk.ts';
export { languageModelPortFromAiSdk, type LanguageModelPortFromAiSdkOptions } from './adapters/language-model-port-from-ai-sdk.ts';
export { MODEL_CALL_ERROR_CODE } from './adapters/model-call-error.ts';

export { createLlamaCppLanguageModel, type LlamaCppLanguageModel, type LlamaCppLanguageModelOptions, type ActivationWarmInput } from './llama-cpp/create-llama-cpp-language-model.ts';
export { promptToText, DEFAULT_PROMPT_LABELS, type PromptLabels } from './llama-cpp/prompt-to-text.ts';
export { createActivationStore, createActivationForgetHook, type ActivationStore, type ActivationStoreOptions, type ActivationEntry, type ActivationExpectation } from './llama-cpp/activation-store.ts';
export type { ActivationEvent, ActivationStats } from './llama-cpp/activation-cache.ts';
export { modelFingerprint, activationKey, tokensHash, sha256File, type ModelFingerprint, type ModelFingerprintInput } from './llama-cpp/model-fingerprint.ts';
export { stablePrefixOf, type StablePrefix, type StablePrefixProviderOptions } from './llama-cpp/stable-prefix.ts';
