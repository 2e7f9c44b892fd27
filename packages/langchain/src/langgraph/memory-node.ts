import { randomUUID } from 'node:crypto';
import type { BaseMessage } from '@langchain/core/messages';
import { Annotation, type LangGraphRunnableConfig } from '@langchain/langgraph';
import type { BaseStore, SearchItem } from '@langchain/langgraph-checkpoint';
import { ValidationError } from '@memos-js/core';
import { lastMessageOfType, messageText } from '../format/message-text.ts';
import { checkScopeOptions, resolveScope, type ScopeOptions } from '../scope/resolve-scope.ts';
import { MemOSStore } from './memos-store.ts';

/** A memory retrieved into graph state (plain JSON, so checkpointers can save it). */
export interface RetrievedMemory {
  namespace: string[];
  key: string;
  /** The value's `text` (or `content`) field, else the value as JSON. */
  text: string;
  value: Record<string, unknown>;
  /** Ranking score (MemOS fused score with `MemOSStore`). */
  score?: number;
  createdAt: string;
  updatedAt: string;
}

/** State channel of retrieved memories (each retrieval replaces the previous list). */
export const MemoriesAnnotation = Annotation.Root({
  memories: Annotation<RetrievedMemory[]>({ reducer: (_current, next) => next, default: () => [] }),
});

/**
 * Where memory nodes read and write: namespace and store. Identity (see `ScopeOptions`): `identity`
 * (resolved on the server for each run) or `trustClientIdentity: true` is required.
 */
export interface MemoryNodeStoreOptions extends ScopeOptions {
  /**
   * Store namespace of the memories (default `['memories', userId]`, the user from `identity`),
   * or a function of the run config.
   */
  namespace?: string[] | ((config: LangGraphRunnableConfig) => string[] | Promise<string[]>);
  /** Store to use (default: the graph's store, `compile({ store })`). */
  store?: BaseStore;
  /** State key of the messages (default `messages`). */
  messagesKey?: string;
}

/** Options of {@link createMemoryNode}. */
export interface MemoryNodeOptions extends MemoryNodeStoreOptions {
  /** Memories retrieved (default 5). */
  limit?: number;
  /** Value filter of the store search (`{ field: value }` or operators such as `$gt`). */
  filter?: Record<string, unknown>;
  /** State key the memories are written to (default `memories`). */
  memoriesKey?: string;
}

/** Options of {@link createRememberNode}. */
export interface RememberNodeOptions extends MemoryNodeStoreOptions {
  /** Message types remembered from the latest turn (default `['human']`). */
  types?: Array<'human' | 'ai'>;
  /** Builds the stored value (default `{ text, role, threadId? }`). */
  toValue?: (message: BaseMessage, config: LangGraphRunnableConfig) => Record<string, unknown>;
}

async function resolveTarget(options: MemoryNodeStoreOptions, config: LangGraphRunnableConfig, field: string): Promise<{ store: BaseStore; namespace: string[] }> {
  const graphStore = options.store ?? config.store;
  if (!graphStore) throw new ValidationError(`${field}.store`, 'is not set: pass `store` or compile the graph with `compile({ store })`');
  const source = { context: config.context, configurable: config.configurable };
  const scope = await resolveScope(options, source, field);
  // A MemOSStore acts for the user of this run (LangGraph hands nodes its batching wrapper).
  const inner = unwrapStore(graphStore);
  const store = inner instanceof MemOSStore ? inner.forRun(source) : graphStore;
  if (typeof options.namespace === 'function') return { store, namespace: await options.namespace(config) };
  return { store, namespace: options.namespace ?? ['memories', scope.userId] };
}

/** The store inside LangGraph's `AsyncBatchedStore` wrapper, or the store itself. */
function unwrapStore(store: BaseStore): unknown {
  const wrapper = store as BaseStore & { lg_name?: unknown; store?: unknown };
  return wrapper.lg_name === 'AsyncBatchedStore' ? wrapper.store : store;
}

function messagesOf(state: Record<string, unknown>, key: string, field: string): BaseMessage[] {
  const messages = state[key];
  if (!Array.isArray(messages)) throw new ValidationError(`${field}.state.${key}`, 'must be an array of messages');
  return messages as BaseMessage[];
}

function textOf(value: Record<string, unknown>): string {
  for (const field of ['text', 'content']) if (typeof value[field] === 'string') return value[field];
  return JSON.stringify(value);
}

function toRetrieved(item: SearchItem): RetrievedMemory {
  return {
    namespace: item.namespace, key: item.key, text: textOf(item.value), value: item.value,
    createdAt: item.createdAt.toISOString(), updatedAt: item.updatedAt.toISOString(),
    ...(item.score !== undefined ? { score: item.score } : {}),
  };
}

/**
 * A `StateGraph` node that searches the store with the last human message and puts the results in
 * the `memories` channel (add {@link MemoriesAnnotation} to the graph state). With `MemOSStore` the
 * search is MemOS hybrid search, made as the user the store resolves for this run.
 */
export function createMemoryNode(options: MemoryNodeOptions) {
  checkScopeOptions(options, 'memoryNode');
  const messagesKey = options.messagesKey ?? 'messages';
  const memoriesKey = options.memoriesKey ?? 'memories';
  return async (state: Record<string, unknown>, config: LangGraphRunnableConfig): Promise<Record<string, RetrievedMemory[]>> => {
    const human = lastMessageOfType(messagesOf(state, messagesKey, 'memoryNode'), 'human');
    const query = human ? messageText(human).trim() : '';
    if (query.length === 0) return { [memoriesKey]: [] };
    const { store, namespace } = await resolveTarget(options, config, 'memoryNode');
    const items = await store.search(namespace, { query, limit: options.limit ?? 5, ...(options.filter ? { filter: options.filter } : {}) });
    return { [memoriesKey]: items.map(toRetrieved) };
  };
}

/**
 * A `StateGraph` node that writes the latest turn's messages (by default the last human message)
 * to the store, keyed by message id so re-running it does not duplicate. Returns no state update.
 */
export function createRememberNode(options: RememberNodeOptions) {
  checkScopeOptions(options, 'rememberNode');
  const messagesKey = options.messagesKey ?? 'messages';
  const types = options.types ?? ['human'];
  return async (state: Record<string, unknown>, config: LangGraphRunnableConfig): Promise<Record<string, never>> => {
    const messages = messagesOf(state, messagesKey, 'rememberNode');
    const human = lastMessageOfType(messages, 'human');
    if (!human) return {};
    const turn = messages.slice(messages.lastIndexOf(human));
    const chosen = types.map((type) => lastMessageOfType(turn, type)).filter((m): m is BaseMessage => m !== undefined && messageText(m).trim().length > 0);
    if (chosen.length === 0) return {};
    const { store, namespace } = await resolveTarget(options, config, 'rememberNode');
    const threadId = typeof config.configurable?.thread_id === 'string' ? config.configurable.thread_id : undefined;
    for (const message of chosen) {
      const value = options.toValue
        ? options.toValue(message, config)
        : { text: messageText(message), role: message.getType() === 'human' ? 'user' : 'assistant', ...(threadId ? { threadId } : {}) };
      await store.put(namespace, message.id ?? randomUUID(), value);
    }
    return {};
  };
}
