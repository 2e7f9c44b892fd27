import { randomUUID } from 'node:crypto';
import { SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { Annotation, type LangGraphRunnableConfig } from '@langchain/langgraph';
import type { BaseStore, SearchItem } from '@langchain/langgraph-checkpoint';
import { DEFAULT_MIN_SCORE, renderRecalledNotes, ValidationError, type MemOS } from '@memos-js/core';
import { insertBeforeLastHuman, workingMemoryItems, workingMemoryReader, type MemoryPlacement, type WorkingMemoryReader } from '../format/memory-blocks.ts';
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

/** A session's working memory in graph state (plain JSON): the stable block of {@link memoryMessages}. */
export interface WorkingMemoryState {
  version: number;
  notes: Array<{ id: string; text: string; createdAt: string }>;
}

/** State channels of retrieved memories and working memory (each retrieval replaces the previous value). */
export const MemoriesAnnotation = Annotation.Root({
  memories: Annotation<RetrievedMemory[]>({ reducer: (_current, next) => next, default: () => [] }),
  workingMemory: Annotation<WorkingMemoryState | null>({ reducer: (_current, next) => next, default: () => null }),
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
  /**
   * Lowest score a retrieved memory needs (default 0.5 with `MemOSStore`, whose scores are MemOS's,
   * measured on the lexical embedder; no floor with other stores, whose scores mean something else).
   * Memories without a score are kept.
   */
  minScore?: number;
  /** Keep memories whose value has `role: 'assistant'` (default false: the assistant's own replies are never injected). */
  includeAssistant?: boolean;
  /**
   * The session's working memory, put in the `workingMemoryKey` channel: a reader, or the `mos`
   * whose scheduler has one (`mos.scheduler.workingMemory`). Off unless set (the channel must be in the state).
   */
  workingMemory?: WorkingMemoryReader | { mos: MemOS };
  /** State key of the working memory (default `workingMemory`). */
  workingMemoryKey?: string;
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

/** The state update of a memory node: the memories under `memoriesKey` (and, with `workingMemory`, the working memory under `workingMemoryKey`). */
export type MemoryNodeUpdate = Record<string, RetrievedMemory[]> & { workingMemory?: WorkingMemoryState | null };

/**
 * A `StateGraph` node that searches the store with the last human message and puts the results in
 * the `memories` channel (add {@link MemoriesAnnotation} to the graph state): above the relevance
 * floor, the assistant's own replies left out, working-memory items not repeated. With
 * `workingMemory` it also puts the session's working memory in the `workingMemory` channel. With
 * `MemOSStore` the search is MemOS hybrid search, made as the user the store resolves for this run.
 * Build the model's messages with {@link memoryMessages} (the two-block layout, quoted).
 */
export function createMemoryNode(options: MemoryNodeOptions) {
  checkScopeOptions(options, 'memoryNode');
  const messagesKey = options.messagesKey ?? 'messages';
  const memoriesKey = options.memoriesKey ?? 'memories';
  const workingMemoryKey = options.workingMemoryKey ?? 'workingMemory';
  const readWorkingMemory = options.workingMemory === undefined ? undefined
    : typeof options.workingMemory === 'function' ? options.workingMemory : workingMemoryReader(options.workingMemory.mos, undefined);
  return async (state: Record<string, unknown>, config: LangGraphRunnableConfig): Promise<MemoryNodeUpdate> => {
    const human = lastMessageOfType(messagesOf(state, messagesKey, 'memoryNode'), 'human');
    const query = human ? messageText(human).trim() : '';
    let working: WorkingMemoryState | null = null;
    if (readWorkingMemory) {
      const scope = await resolveScope(options, { context: config.context, configurable: config.configurable }, 'memoryNode');
      const view = scope.sessionId ? await readWorkingMemory({ userId: scope.userId, sessionId: scope.sessionId }) : undefined;
      if (view) working = { version: view.version, notes: workingMemoryItems(view, options.includeAssistant === true).map((item) => ({ id: item.id, text: item.text, createdAt: item.createdAt })) };
    }
    const withWorking = (memories: RetrievedMemory[]): MemoryNodeUpdate => (readWorkingMemory ? { [memoriesKey]: memories, [workingMemoryKey]: working } : { [memoriesKey]: memories }) as MemoryNodeUpdate;
    if (query.length === 0) return withWorking([]);
    const { store, namespace } = await resolveTarget(options, config, 'memoryNode');
    const minScore = options.minScore ?? (unwrapStore(options.store ?? config.store ?? store) instanceof MemOSStore ? DEFAULT_MIN_SCORE : undefined);
    const exclude = new Set(working?.notes.map((note) => note.id));
    const items = await store.search(namespace, { query, limit: options.limit ?? 5, ...(options.filter ? { filter: options.filter } : {}) });
    const kept = items.filter((item) => {
      if (exclude.has(item.key)) return false;
      if (options.includeAssistant !== true && item.value['role'] === 'assistant') return false;
      return minScore === undefined || item.score === undefined || item.score >= minScore;
    });
    return withWorking(kept.map(toRetrieved));
  };
}

/** Input of {@link memoryMessages}. */
export interface MemoryMessagesOptions {
  /** The conversation (leading system messages first). */
  messages: readonly BaseMessage[];
  /** Retrieved memories (the `memories` channel). */
  memories?: readonly RetrievedMemory[];
  /** Working memory (the `workingMemory` channel). */
  workingMemory?: WorkingMemoryState | null;
  /** Where the blocks go (default `{ workingMemory: 'after-system', retrieved: 'before-last-user' }`). */
  placement?: MemoryPlacement;
}

/**
 * The model's messages in the two-block layout of the AI SDK and agent middleware: the working
 * memory as a system message right after the leading system messages (it changes only with its
 * version), the retrieved memories as a human message right before the latest human message, so
 * system + working memory + history stay byte-identical from turn to turn. Both are quoted data
 * (`<memos-notes>`, marked as not instructions, texts JSON-quoted with markup escaped).
 */
export function memoryMessages(options: MemoryMessagesOptions): BaseMessage[] {
  const placement = { workingMemory: options.placement?.workingMemory ?? 'after-system', retrieved: options.placement?.retrieved ?? 'before-last-user' };
  const working = options.workingMemory;
  const workingText = placement.workingMemory === 'after-system' && working
    ? renderRecalledNotes({
      kind: 'working-memory', attributes: { version: String(working.version) }, description: 'Working memory, fixed order.',
      notes: working.notes.map((note) => ({ text: note.text, provenance: note.createdAt.slice(0, 10) })),
    })
    : '';
  const retrievedText = placement.retrieved === 'none' ? '' : renderRecalledNotes({
    kind: 'retrieved', description: 'For the latest message, best first.',
    notes: (options.memories ?? []).map((memory) => ({ text: memory.text, provenance: memory.createdAt.slice(0, 10) })),
  });
  let at = 0;
  while (at < options.messages.length && options.messages[at]?.getType() === 'system') at++;
  const leading = [...options.messages.slice(0, at)];
  if (workingText.length > 0) leading.push(new SystemMessage(workingText));
  if (retrievedText.length > 0 && placement.retrieved === 'after-system') leading.push(new SystemMessage(retrievedText));
  const rest = placement.retrieved === 'before-last-user' ? insertBeforeLastHuman(options.messages.slice(at), retrievedText) : options.messages.slice(at);
  return [...leading, ...rest];
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
