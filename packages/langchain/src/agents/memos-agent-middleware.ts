import { AIMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { DEFAULT_ASSISTANT_WEIGHT, DEFAULT_MIN_SCORE, relevantMemories, ValidationError, type FilterInput, type MemOS, type MemoryItem, type SearchHit } from '@memos-js/core';
import type { InteropZodObject } from '@langchain/core/utils/types';
import { createMiddleware } from 'langchain';
import { z } from 'zod';
import { formatMemories, type FormatMemoriesOptions } from '../format/format-memories.ts';
import {
  afterTurnHook, insertBeforeLastHuman, workingMemoryItems, workingMemoryReader, type AfterTurnEvent, type MemoryPlacement, type WorkingMemoryReader,
} from '../format/memory-blocks.ts';
import { lastMessageOfType, memosRole, messageText } from '../format/message-text.ts';
import { checkScopeOptions, requireCubeId, resolveScope, type MemOSScope, type ScopeOptions } from '../scope/resolve-scope.ts';

/** Options of {@link memosAgentMiddleware}. */
export interface MemosAgentMiddlewareOptions extends ScopeOptions, FormatMemoriesOptions {
  /** The MemOS runtime (set up). */
  mos: MemOS;
  /** Memories retrieved per model call (default 8). */
  topK?: number;
  /** Filter of the retrieval (memory types, tags, ...). */
  filter?: FilterInput;
  /** Write the turn (the last human message and the replies after it) when the agent finishes (default true; needs a cube). */
  save?: boolean;
  /** Speaker names stored with the saved turn. */
  speakers?: { user?: string; assistant?: string };
  /** Where the working-memory and retrieved blocks go (default `{ workingMemory: 'after-system', retrieved: 'before-last-user' }`). */
  placement?: MemoryPlacement;
  /** Lowest score a retrieved memory needs (default 0.5, as the AI SDK middleware: measured on the lexical embedder). */
  minScore?: number;
  /** Weight (0..1) of memories whose every source is the assistant (default 0: the agent's own replies are never injected). */
  assistantWeight?: number;
  /** Reads the session's working memory (default: `mos.scheduler.workingMemory` when the runtime has one; `false`: none). */
  workingMemory?: false | WorkingMemoryReader;
  /** Called after each finished turn of a session (default: `mos.scheduler.afterTurn` when the runtime has one; `false`: none). */
  afterTurn?: false | ((event: AfterTurnEvent) => Promise<void>);
  /** Called with what was injected, for logging or UIs: `hits` and `text` are the retrieved block's. */
  onInject?: (event: { scope: MemOSScope; query: string; hits: SearchHit[]; text: string; workingMemory: { version?: number; items: MemoryItem[]; text: string } }) => void;
  /** Called with the memories a finished turn created. */
  onSave?: (event: { scope: MemOSScope; items: MemoryItem[] }) => void;
  /** Middleware name (default `MemOSMemory`). */
  name?: string;
  /**
   * Context schema of the middleware (default {@link memosContextSchema}: optional `userId`,
   * `cubeId`, `cubeIds`, `sessionId`; the first three are read only with `trustClientIdentity`).
   * langchain only passes the context fields a middleware declares, so an `identity` resolver
   * that reads other context fields needs a schema declaring them.
   */
  contextSchema?: InteropZodObject;
}

/**
 * The run context the middleware reads by default (`agent.invoke(input, { context })`): `sessionId`,
 * and with `trustClientIdentity` also `userId`, `cubeId` and `cubeIds`.
 */
export const memosContextSchema = z.object({
  userId: z.string().optional(),
  cubeId: z.string().optional(),
  cubeIds: z.array(z.string()).optional(),
  sessionId: z.string().optional(),
});

/** Appends a memory block to the system message as its own text block (the original prompt stays a stable prefix). */
export function appendMemoryBlock(systemMessage: SystemMessage, block: string): SystemMessage {
  const separator = systemMessage.text.length > 0 ? '\n\n' : '';
  return systemMessage.concat(new SystemMessage({ content: [{ type: 'text', text: `${separator}${block}` }] }));
}

/**
 * The messages of the latest turn worth remembering: the last human message and the AI text replies
 * after it (tool calls and tool results are intermediate steps, left out).
 */
export function latestTurn(messages: readonly BaseMessage[]): BaseMessage[] {
  const human = lastMessageOfType(messages, 'human');
  if (!human) return [];
  const start = messages.lastIndexOf(human);
  return messages.slice(start).filter((m) => {
    if (messageText(m).trim().length === 0) return false;
    if (m.getType() === 'human') return true;
    return AIMessage.isInstance(m) && (m.tool_calls?.length ?? 0) === 0;
  });
}

/**
 * langchain v1 agent middleware that gives an agent MemOS memory, in the two-block layout of the
 * AI SDK middleware:
 *
 * - `wrapModelCall`: appends the session's working memory (the scheduler's, see `workingMemory`)
 *   to the request's system message as a stable block (it changes only when the working memory's
 *   version does), searches MemOS with the latest human message, keeps the hits above the relevance
 *   floor that are not the agent's own replies nor already in working memory, and puts them as a
 *   human message right before the latest human message, so system + working memory + history stay
 *   byte-identical from call to call. Both blocks are quoted data (`<memos-notes>`, marked as not
 *   instructions). The memories are never written into the agent state.
 * - `afterAgent`: writes the turn (the last human message and the text replies after it) to the
 *   scope's cube through the MemOS reader, so it becomes searchable memory, then calls the
 *   scheduler's `afterTurn` so working memory updates.
 *
 * User and cubes come from `identity`, resolved on the server for each run (or, with
 * `trustClientIdentity: true`, from the run's `context` / `configurable`: unsafe for a deployed
 * agent); see `ScopeOptions`. The session defaults to the `thread_id`.
 */
export function memosAgentMiddleware(options: MemosAgentMiddlewareOptions) {
  checkScopeOptions(options, options.name ?? 'MemOSMemory');
  const { mos } = options;
  const name = options.name ?? 'MemOSMemory';
  const placement = { workingMemory: options.placement?.workingMemory ?? 'after-system', retrieved: options.placement?.retrieved ?? 'before-last-user' };
  if (!['after-system', 'none'].includes(placement.workingMemory)) throw new ValidationError(`${name}.placement.workingMemory`, "must be 'after-system' or 'none'");
  if (!['before-last-user', 'after-system', 'none'].includes(placement.retrieved)) throw new ValidationError(`${name}.placement.retrieved`, "must be 'before-last-user', 'after-system' or 'none'");
  const minScore = options.minScore ?? DEFAULT_MIN_SCORE;
  const assistantWeight = options.assistantWeight ?? DEFAULT_ASSISTANT_WEIGHT;
  if (!Number.isFinite(minScore)) throw new ValidationError(`${name}.minScore`, 'must be a finite number');
  if (!(assistantWeight >= 0 && assistantWeight <= 1)) throw new ValidationError(`${name}.assistantWeight`, 'must be a number in 0..1');
  const readWorkingMemory = placement.workingMemory === 'none' ? undefined : workingMemoryReader(mos, options.workingMemory);
  const afterTurn = afterTurnHook(mos, options.afterTurn);
  return createMiddleware({
    name,
    contextSchema: (options.contextSchema ?? memosContextSchema) as typeof memosContextSchema,
    wrapModelCall: async (request, handler) => {
      const human = lastMessageOfType(request.messages, 'human');
      const query = human ? messageText(human).trim() : '';
      if (query.length === 0) return handler(request);
      const scope = await resolveScope(options, { context: request.runtime.context, configurable: request.runtime.configurable }, name);
      const view = readWorkingMemory && scope.sessionId ? await readWorkingMemory({ userId: scope.userId, sessionId: scope.sessionId }) : undefined;
      const working = workingMemoryItems(view, assistantWeight > 0);
      const workingText = formatMemories(working, { ...options, header: 'Working memory, fixed order.', kind: 'working-memory', ...(view ? { version: view.version } : {}) });
      let hits: SearchHit[] = [];
      if (placement.retrieved !== 'none') {
        ({ hits } = await mos.search({
          userId: scope.userId, query: query.slice(0, mos.limits.maxQueryChars), topK: options.topK ?? 8,
          ...(scope.cubeIds ? { cubeIds: scope.cubeIds } : {}),
          ...(options.filter ? { filter: options.filter } : {}),
        }));
        hits = relevantMemories(hits, { minScore, assistantWeight, exclude: new Set(working.map((item) => item.id)) });
      }
      const text = formatMemories(hits, { ...options, kind: 'retrieved' });
      options.onInject?.({ scope, query, hits, text, workingMemory: { ...(view ? { version: view.version } : {}), items: working, text: workingText } });
      let systemMessage = request.systemMessage;
      if (workingText.length > 0) systemMessage = appendMemoryBlock(systemMessage, workingText);
      if (text.length > 0 && placement.retrieved === 'after-system') systemMessage = appendMemoryBlock(systemMessage, text);
      const messages = text.length > 0 && placement.retrieved === 'before-last-user' ? insertBeforeLastHuman(request.messages, text) : request.messages;
      if (systemMessage === request.systemMessage && messages === request.messages) return handler(request);
      return handler({ ...request, systemMessage, messages });
    },
    afterAgent: async (state, runtime) => {
      const turn = latestTurn(state.messages);
      if (turn.length === 0) return;
      const scope = await resolveScope(options, { context: runtime.context, configurable: runtime.configurable }, name);
      if (options.save !== false) {
        const { items } = await mos.add({
          userId: scope.userId, cubeId: requireCubeId(scope, name),
          ...(scope.sessionId ? { sessionId: scope.sessionId } : {}),
          messages: turn.map((m) => {
            const role = memosRole(m);
            const speaker = role === 'user' ? options.speakers?.user : role === 'assistant' ? options.speakers?.assistant : undefined;
            return { role, content: messageText(m).slice(0, mos.limits.maxTextChars), ...(speaker ? { speaker } : {}), ...(m.id ? { messageId: m.id } : {}) };
          }),
        });
        options.onSave?.({ scope, items });
      }
      if (afterTurn && scope.sessionId) {
        const query = turn[0]?.getType() === 'human' ? messageText(turn[0]) : '';
        const answer = turn.filter((m) => m.getType() !== 'human').map(messageText).join('\n');
        await afterTurn({ userId: scope.userId, sessionId: scope.sessionId, ...(scope.cubeIds ? { cubeIds: scope.cubeIds } : {}), query, answer });
      }
    },
  });
}
