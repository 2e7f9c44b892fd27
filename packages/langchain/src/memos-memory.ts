import { BaseMemory, getInputValue, getOutputValue, type InputValues, type MemoryVariables, type OutputValues } from '@langchain/core/memory';
import { isBaseMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { ValidationError, type FilterInput, type MemOS } from '@memos-js/core';
import { formatMemories, type FormatMemoriesOptions } from './format/format-memories.ts';
import { lastMessageOfType } from './format/message-text.ts';

/** Options of {@link MemOSMemory}. */
export interface MemOSMemoryOptions extends FormatMemoriesOptions {
  /** The MemOS runtime (set up). */
  mos: MemOS;
  /** Acting user. */
  userId: string;
  /** Cube the turns are saved to. */
  cubeId: string;
  /** Cubes searched (default: every cube the user can read). */
  cubeIds?: string[];
  /** Session of the saved turns (also narrows nothing on search unless `filter.sessionId` is set). */
  sessionId?: string;
  /** Variable the memories are returned under (default `memories`). */
  memoryKey?: string;
  /** Input variable holding the user's message (default: the only input besides the memory key). */
  inputKey?: string;
  /** Output variable holding the reply (default: the only output). */
  outputKey?: string;
  /** Return a `[SystemMessage]` holding the memory block instead of the string (default false). */
  returnMessages?: boolean;
  /** Memories retrieved (default 5). */
  topK?: number;
  /** Search filter (memory types, tags, session, ...). */
  filter?: FilterInput;
  /** Speaker names stored with the saved turn. */
  speakers?: { user?: string; assistant?: string };
}

function asText(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (isBaseMessage(value)) return value.text;
  if (Array.isArray(value) && value.every(isBaseMessage)) {
    const messages = value as BaseMessage[];
    return (lastMessageOfType(messages, 'human') ?? messages.at(-1))?.text ?? '';
  }
  throw new ValidationError(field, 'must be a string, a message or a list of messages');
}

/**
 * A `BaseMemory` backed by MemOS, for chains that still use memory variables: `loadMemoryVariables`
 * searches with the input and returns the memories under `memoryKey` (a deterministic text block, or
 * a system message); `saveContext` adds the turn (input as user, output as assistant) through the
 * MemOS reader.
 */
export class MemOSMemory extends BaseMemory {
  readonly mos: MemOS;
  readonly memoryKey: string;
  readonly #options: MemOSMemoryOptions;

  constructor(options: MemOSMemoryOptions) {
    super();
    this.mos = options.mos;
    this.memoryKey = options.memoryKey ?? 'memories';
    this.#options = options;
  }

  get memoryKeys(): string[] {
    return [this.memoryKey];
  }

  async loadMemoryVariables(values: InputValues): Promise<MemoryVariables> {
    const o = this.#options;
    const input = { ...values };
    delete input[this.memoryKey];
    const query = asText(getInputValue(input, o.inputKey), `memory.input.${o.inputKey ?? 'input'}`).trim();
    let text = '';
    if (query.length > 0) {
      const { hits } = await this.mos.search({
        userId: o.userId, query: query.slice(0, this.mos.limits.maxQueryChars), topK: o.topK ?? 5,
        ...(o.cubeIds ? { cubeIds: o.cubeIds } : {}),
        ...(o.filter ? { filter: o.filter } : {}),
      });
      text = formatMemories(hits, o);
    }
    return { [this.memoryKey]: o.returnMessages ? (text ? [new SystemMessage(text)] : []) : text };
  }

  async saveContext(inputValues: InputValues, outputValues: OutputValues): Promise<void> {
    const o = this.#options;
    const input = { ...inputValues };
    delete input[this.memoryKey];
    const userText = asText(getInputValue(input, o.inputKey), `memory.input.${o.inputKey ?? 'input'}`);
    const replyText = asText(getOutputValue(outputValues, o.outputKey), `memory.output.${o.outputKey ?? 'output'}`);
    const messages = [
      { role: 'user' as const, content: userText, ...(o.speakers?.user ? { speaker: o.speakers.user } : {}) },
      { role: 'assistant' as const, content: replyText, ...(o.speakers?.assistant ? { speaker: o.speakers.assistant } : {}) },
    ].filter((m) => m.content.trim().length > 0);
    if (messages.length === 0) return;
    await this.mos.add({ userId: o.userId, cubeId: o.cubeId, messages, ...(o.sessionId ? { sessionId: o.sessionId } : {}) });
  }
}
