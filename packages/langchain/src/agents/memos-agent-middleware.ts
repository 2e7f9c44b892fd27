import { AIMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import type { FilterInput, MemOS, MemoryItem, SearchHit } from '@memos-js/core';
import type { InteropZodObject } from '@langchain/core/utils/types';
import { createMiddleware } from 'langchain';
import { z } from 'zod';
import { formatMemories, type FormatMemoriesOptions } from '../format/format-memories.ts';
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
  /** Called with what was injected, for logging or UIs. */
  onInject?: (event: { scope: MemOSScope; query: string; hits: SearchHit[]; text: string }) => void;
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
 * langchain v1 agent middleware that gives an agent MemOS memory:
 *
 * - `wrapModelCall`: searches MemOS with the latest human message and appends the memories to the
 *   request's system message, in a deterministic layout (same memories → same text). The memories
 *   are never written into the agent state, so they do not pile up in the conversation.
 * - `afterAgent`: writes the turn (the last human message and the text replies after it) to the
 *   scope's cube through the MemOS reader, so it becomes searchable memory.
 *
 * User and cubes come from `identity`, resolved on the server for each run (or, with
 * `trustClientIdentity: true`, from the run's `context` / `configurable`: unsafe for a deployed
 * agent); see `ScopeOptions`. The session defaults to the `thread_id`.
 */
export function memosAgentMiddleware(options: MemosAgentMiddlewareOptions) {
  checkScopeOptions(options, options.name ?? 'MemOSMemory');
  const { mos } = options;
  const name = options.name ?? 'MemOSMemory';
  return createMiddleware({
    name,
    contextSchema: (options.contextSchema ?? memosContextSchema) as typeof memosContextSchema,
    wrapModelCall: async (request, handler) => {
      const human = lastMessageOfType(request.messages, 'human');
      const query = human ? messageText(human).trim() : '';
      if (query.length === 0) return handler(request);
      const scope = await resolveScope(options, { context: request.runtime.context, configurable: request.runtime.configurable }, name);
      const { hits } = await mos.search({
        userId: scope.userId, query: query.slice(0, mos.limits.maxQueryChars), topK: options.topK ?? 8,
        ...(scope.cubeIds ? { cubeIds: scope.cubeIds } : {}),
        ...(options.filter ? { filter: options.filter } : {}),
      });
      const text = formatMemories(hits, options);
      options.onInject?.({ scope, query, hits, text });
      if (text.length === 0) return handler(request);
      return handler({ ...request, systemMessage: appendMemoryBlock(request.systemMessage, text) });
    },
    afterAgent: async (state, runtime) => {
      if (options.save === false) return;
      const turn = latestTurn(state.messages);
      if (turn.length === 0) return;
      const scope = await resolveScope(options, { context: runtime.context, configurable: runtime.configurable }, name);
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
    },
  });
}
