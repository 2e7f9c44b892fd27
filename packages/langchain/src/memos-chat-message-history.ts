import { BaseListChatMessageHistory } from '@langchain/core/chat_history';
import { mapChatMessagesToStoredMessages, mapStoredMessageToChatMessage, type BaseMessage, type StoredMessage } from '@langchain/core/messages';
import { ValidationError, type MemOS, type MemoryItem, type MetadataValue } from '@memos-js/core';
import { getChunked, putChunked } from './format/chunked-metadata.ts';
import { memosRole } from './format/message-text.ts';

/** Options of {@link MemOSChatMessageHistory}. */
export interface MemOSChatMessageHistoryOptions {
  /** The MemOS runtime (set up). */
  mos: MemOS;
  /** Acting user (needs write access to `cubeId`). */
  userId: string;
  /** Cube the conversation is stored in. */
  cubeId: string;
  /** Conversation id: the MemOS session of the memories, and the key of this history. */
  sessionId: string;
  /** Speaker names stored with human and AI messages (the reader prefixes memory text with them). */
  speakers?: { human?: string; ai?: string };
  /** Memory type of the messages' memories (default: the reader's, `event` in fast mode). */
  memoryType?: string;
  /** Extra tags on every message memory (the reader adds `chat` and the role). */
  tags?: string[];
}

const META = { chat: 'lc:chat', index: 'lc:index', type: 'lc:type', content: 'lc:content', extra: 'lc:extra' } as const;

/** Longest message the fast reader keeps as one memory (its default `maxChunkChars`). */
const SINGLE_MEMORY_CHARS = 1_000;

/**
 * A LangChain chat message history persisted in MemOS, where the conversation is also memory.
 *
 * One representation serves both uses. Each message is added through the MemOS reader like any
 * chat turn (fast mode: an `event` memory with speaker, time and session, searchable by every
 * retriever; consecutive messages are linked by FOLLOWS edges), and that memory carries the
 * history's bookkeeping in its metadata: `lc:chat` (session), `lc:index` (position), `lc:type`.
 * A plain text message is rebuilt from the memory text alone, so its content is stored once. Only
 * what the reader does not keep is added: the other message fields (tool calls, ids, response
 * metadata) in `lc:extra`, and the exact content in `lc:content` when the memory text cannot give it
 * back (non-text content, surrounding whitespace, a message long enough to be split into chunks, or
 * a message the reader skips, such as system and tool messages, which get a short searchable
 * summary as their memory text). `clear()` soft-deletes the memories (restorable).
 */
export class MemOSChatMessageHistory extends BaseListChatMessageHistory {
  lc_namespace = ['memos_js', 'chat_history'];
  readonly mos: MemOS;
  readonly userId: string;
  readonly cubeId: string;
  readonly sessionId: string;
  readonly #options: MemOSChatMessageHistoryOptions;
  #queue: Promise<unknown> = Promise.resolve();

  static override lc_name(): string {
    return 'MemOSChatMessageHistory';
  }

  constructor(options: MemOSChatMessageHistoryOptions) {
    super();
    this.mos = options.mos;
    this.userId = options.userId;
    this.cubeId = options.cubeId;
    this.sessionId = options.sessionId;
    this.#options = options;
  }

  /** The session's messages in order, as real LangChain messages. */
  async getMessages(): Promise<BaseMessage[]> {
    await this.#queue.catch(() => undefined);
    const groups = new Map<number, MemoryItem[]>();
    for (const item of await this.#items()) {
      const index = item.metadata[META.index];
      if (typeof index !== 'number') continue;
      groups.set(index, [...(groups.get(index) ?? []), item]);
    }
    return [...groups.entries()].sort(([a], [b]) => a - b).map(([, items]) => rebuild(items));
  }

  override async addMessage(message: BaseMessage): Promise<void> {
    await this.addMessages([message]);
  }

  /** Adds messages in order (one reader call each, serialised per instance). */
  override async addMessages(messages: BaseMessage[]): Promise<void> {
    const run = this.#queue.catch(() => undefined).then(async () => {
      let { index, last } = await this.#tail();
      for (const message of messages) {
        const items = await this.#write(message, index);
        const head = items[0];
        // Consecutive messages are adjacent turns: a FOLLOWS edge feeds the graph signal of search.
        if (head && last) await this.mos.relate({ userId: this.userId, from: head.id, to: last.id, type: 'FOLLOWS' });
        last = items.at(-1) ?? last;
        index += 1;
      }
    });
    this.#queue = run;
    await run;
  }

  /** Soft-deletes every memory of the session's history (each restorable with `mos.rollback`). */
  override async clear(): Promise<void> {
    const run = this.#queue.catch(() => undefined).then(async () => {
      for (const item of await this.#items()) await this.mos.delete({ userId: this.userId, id: item.id, reason: 'chat history cleared' });
    });
    this.#queue = run;
    await run;
  }

  /** Writes one message; returns its memories (the reader may make several of a long message). */
  async #write(message: BaseMessage, index: number): Promise<MemoryItem[]> {
    const { mos, userId } = this;
    const [stored] = mapChatMessagesToStoredMessages([message]) as [StoredMessage];
    const { content, ...rest } = stored.data;
    const role = memosRole(message);
    const type = message.getType();
    const speaker = type === 'human' ? this.#options.speakers?.human : type === 'ai' ? this.#options.speakers?.ai : undefined;
    const metadata: Record<string, MetadataValue> = { [META.chat]: this.sessionId, [META.index]: index, [META.type]: stored.type };
    const extra = compactExtras(rest);
    const maxKeys = mos.limits.maxMetadataKeys;
    if (extra !== undefined) putChunked(metadata, META.extra, JSON.stringify(extra), { maxKeys: maxKeys - 12, field: 'chatHistory.message' });
    const plain = typeof content === 'string' && content.length > 0 && content === content.trim() && content.length <= SINGLE_MEMORY_CHARS && (role === 'user' || role === 'assistant');
    const common = {
      userId, cubeId: this.cubeId, sessionId: this.sessionId,
      ...(this.#options.memoryType !== undefined ? { memoryType: this.#options.memoryType } : {}),
      ...(this.#options.tags !== undefined ? { tags: this.#options.tags } : {}),
    };
    // Size check first, so that a message too large to keep writes nothing.
    const withContent = { ...metadata };
    putChunked(withContent, META.content, JSON.stringify(content), { maxKeys, field: 'chatHistory.message.content' });
    const text = message.text.trim();
    if ((role === 'user' || role === 'assistant') && text.length > 0) {
      const input = { role, content: text.slice(0, mos.limits.maxTextChars), time: new Date(), ...(speaker ? { speaker } : {}), ...(message.id ? { messageId: message.id } : {}) };
      const { items } = await mos.add({ ...common, metadata, messages: [input] });
      const [head, ...rest] = items;
      if (head) {
        if (plain && rest.length === 0 && speakerless(head) === content) return items;
        // The reader split or rewrote the message: keep the exact content on the first memory.
        const updated = await mos.update({ userId, id: head.id, metadata: { ...head.metadata, ...withContent }, reason: 'chat history: exact message content' });
        return [updated, ...rest];
      }
    }
    // A message the reader skips (system, tool, tool calls only, or a role it is not set to read):
    // a short searchable summary, with the exact content in metadata.
    const { items } = await mos.add({ ...common, metadata: withContent, text: summary(message) });
    if (items.length === 0) throw new ValidationError('chatHistory.message', `the MemOS reader (${mos.reader.mode} mode) made no memory of this message`);
    return items;
  }

  /** The next index, and the newest memory of the last message (to link the next one to). */
  async #tail(): Promise<{ index: number; last: MemoryItem | undefined }> {
    const base = { userId: this.userId, cubeIds: [this.cubeId] };
    const filter = { metadata: { [META.chat]: this.sessionId } };
    const { items: [newest] } = await this.mos.getAll({ ...base, filter, order: 'createdAt', direction: 'desc', limit: 1 });
    if (!newest) return { index: 0, last: undefined };
    // Items written in the same millisecond share createdAt: read them all to find the highest index.
    let last: MemoryItem | undefined;
    const limit = this.mos.limits.maxTopK;
    for (let offset = 0; ; offset += limit) {
      const { items } = await this.mos.getAll({ ...base, filter: { ...filter, createdFrom: newest.createdAt }, limit, offset });
      for (const item of items) if (last === undefined || position(item) > position(last)) last = item;
      if (items.length < limit) {
        const index = last?.metadata[META.index];
        return { index: (typeof index === 'number' ? index : -1) + 1, last };
      }
    }
  }

  async #items(): Promise<MemoryItem[]> {
    const limit = this.mos.limits.maxTopK;
    const out: MemoryItem[] = [];
    for (let offset = 0; ; offset += limit) {
      const { items } = await this.mos.getAll({ userId: this.userId, cubeIds: [this.cubeId], filter: { metadata: { [META.chat]: this.sessionId } }, limit, offset });
      out.push(...items);
      if (items.length < limit) return out;
    }
  }
}

/** The message fields besides content, without empty defaults (undefined when nothing is left). */
function compactExtras(data: Record<string, unknown>): Record<string, unknown> | undefined {
  const kept = Object.entries(data).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

/** Order of a history memory: message index, then chunk. */
function position(item: MemoryItem): number {
  const index = item.metadata[META.index];
  return (typeof index === 'number' ? index : -1) * 1_000_000 + (item.sources[0]?.chunkIndex ?? 0);
}

/** Memory text without the reader's `"<speaker>: "` prefix. */
function speakerless(item: MemoryItem): string {
  const speaker = item.sources[0]?.speaker;
  return speaker && item.text.startsWith(`${speaker}: `) ? item.text.slice(speaker.length + 2) : item.text;
}

/** A short searchable text for a message the reader would skip (system, tool, tool calls). */
function summary(message: BaseMessage): string {
  const type = message.getType();
  const text = message.text.trim();
  const calls = 'tool_calls' in message && Array.isArray(message.tool_calls) ? (message.tool_calls as Array<{ name: string; args: unknown }>) : [];
  const body = calls.length > 0 ? `called ${calls.map((c) => `${c.name}(${JSON.stringify(c.args)})`).join(', ')}${text ? `: ${text}` : ''}` : text || '(empty)';
  const who = type === 'tool' ? `Tool${message.name ? ` ${message.name}` : ''} result` : type === 'ai' ? 'Assistant' : type === 'system' ? 'System' : 'Message';
  return `${who}: ${body}`.slice(0, 900);
}

function rebuild(items: MemoryItem[]): BaseMessage {
  const carrier = items.find((i) => getChunked(i.metadata, META.content) !== undefined) ?? items.find((i) => (i.sources[0]?.chunkIndex ?? 0) === 0) ?? items[0]!;
  const raw = getChunked(carrier.metadata, META.content);
  const extra = getChunked(carrier.metadata, META.extra);
  const data = { additional_kwargs: {}, response_metadata: {}, ...(extra ? (JSON.parse(extra) as object) : {}), content: raw !== undefined ? (JSON.parse(raw) as unknown) : speakerless(carrier) };
  return mapStoredMessageToChatMessage({ type: String(carrier.metadata[META.type]), data } as StoredMessage);
}
