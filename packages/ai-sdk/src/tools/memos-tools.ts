import { createToolScope, type MemOS, type MemoryStatus } from '@memos-js/core';
import { tool, type Tool } from 'ai';
import { z } from 'zod';
import { toCompactMemory, type CompactMemory } from './to-compact-memory.ts';
import { withToolErrors, type ToolErrorResult } from './tool-error-result.ts';

/** Options of {@link memosTools}. */
export interface MemosToolsOptions {
  /** The MemOS runtime (already `setup()`). */
  mos: MemOS;
  /**
   * The user the agent acts for, set by your server when it builds the tools for a request (from
   * the authenticated session, never from the request body or `providerOptions`).
   */
  userId: string;
  /** Cube new memories are added to. */
  cubeId: string;
  /** Cubes the agent may search, update and forget in (default `[cubeId]`). */
  cubeIds?: string[];
  /** Session id stored on memories the agent adds. */
  sessionId?: string;
  /** Default number of search results (default 5; the model may ask for up to `maxTopK`). */
  topK?: number;
  /** Most search results the model may ask for (default 20). */
  maxTopK?: number;
  /** Tags added to every memory the agent adds (e.g. `['agent']`). */
  tags?: string[];
}

export type SearchMemoriesInput = { query: string; topK?: number | undefined };
export type AddMemoryInput = { text: string; memoryType?: string | undefined; tags?: string[] | undefined };
export type UpdateMemoryInput = { id: string; text: string; reason?: string | undefined };
export type ForgetMemoryInput = { id: string; reason?: string | undefined };

export type SearchMemoriesOutput = { memories: CompactMemory[] } | ToolErrorResult;
export type AddMemoryOutput = { added: CompactMemory[] } | ToolErrorResult;
export type UpdateMemoryOutput = { updated: CompactMemory } | ToolErrorResult;
export type ForgetMemoryOutput = { forgotten: { id: string; status: MemoryStatus } } | ToolErrorResult;

/** The tools {@link memosTools} returns, keyed by tool name. */
export type MemosTools = {
  searchMemories: Tool<SearchMemoriesInput, SearchMemoriesOutput>;
  addMemory: Tool<AddMemoryInput, AddMemoryOutput>;
  updateMemory: Tool<UpdateMemoryInput, UpdateMemoryOutput>;
  forgetMemory: Tool<ForgetMemoryInput, ForgetMemoryOutput>;
};

/**
 * AI SDK tools (`tool()` with zod `inputSchema`) that let a model manage a user's memory:
 * `searchMemories` (hybrid search), `addMemory`, `updateMemory` (new version, history kept) and
 * `forgetMemory` (soft delete, restorable). Results are compact JSON; a `MemosError` becomes
 * `{ error: { code, message } }` so the agent can recover instead of crashing. Every tool is
 * confined to the tools' cubes by the core's shared tool scope (`createToolScope`, the same check
 * as `@memos-js/langchain`'s tools): an id from another cube, or one the user may not read, is
 * reported exactly like an unknown id.
 */
export function memosTools(options: MemosToolsOptions): MemosTools {
  const { mos, userId, cubeId } = options;
  const scope = createToolScope({ mos, userId, cubeId, ...(options.cubeIds !== undefined ? { cubeIds: options.cubeIds } : {}), field: 'memosTools' });
  const maxTopK = options.maxTopK ?? 20;
  const defaultTopK = Math.min(options.topK ?? 5, maxTopK);

  const searchMemories = tool({
    description: 'Search the long-term memory about the user (facts, preferences, past conversations). Returns the most relevant memories first.',
    inputSchema: z.object({
      query: z.string().min(1).describe('What to look for, in natural language.'),
      topK: z.number().int().min(1).max(maxTopK).optional().describe(`How many memories to return (default ${defaultTopK}).`),
    }),
    execute: (input: SearchMemoriesInput): Promise<SearchMemoriesOutput> =>
      withToolErrors(async () => {
        const hits = await scope.search({ query: input.query, topK: input.topK ?? defaultTopK });
        return { memories: hits.map((hit) => toCompactMemory(hit.item, hit.score)) };
      }),
  });

  const addMemory = tool({
    description: 'Remember something new about the user for later conversations. Use one short, self-contained statement per memory.',
    inputSchema: z.object({
      text: z.string().min(1).describe('The memory, e.g. "Priya is allergic to peanuts".'),
      memoryType: z.string().min(1).max(64).optional().describe('Kind of memory, e.g. fact, preference, event.'),
      tags: z.array(z.string().min(1).max(128)).max(16).optional().describe('Short labels.'),
    }),
    execute: (input: AddMemoryInput): Promise<AddMemoryOutput> =>
      withToolErrors(async () => {
        const tags = [...new Set([...(options.tags ?? []), ...(input.tags ?? [])])];
        const items = await scope.add({
          text: input.text,
          ...(options.sessionId !== undefined ? { sessionId: options.sessionId } : {}),
          ...(input.memoryType !== undefined ? { memoryType: input.memoryType } : {}),
          ...(tags.length > 0 ? { tags } : {}),
        });
        return { added: items.map((item) => toCompactMemory(item)) };
      }),
  });

  const updateMemory = tool({
    description: 'Correct or refine an existing memory by id (from searchMemories). The previous version is kept in its history.',
    inputSchema: z.object({
      id: z.string().min(1).describe('Id of the memory to change.'),
      text: z.string().min(1).describe('The corrected memory text.'),
      reason: z.string().min(1).max(1000).optional().describe('Why it changed.'),
    }),
    execute: (input: UpdateMemoryInput): Promise<UpdateMemoryOutput> =>
      withToolErrors(async () => {
        const item = await scope.update({ id: input.id, text: input.text, ...(input.reason !== undefined ? { reason: input.reason } : {}) });
        return { updated: toCompactMemory(item) };
      }),
  });

  const forgetMemory = tool({
    description: 'Forget a memory by id (from searchMemories), e.g. when the user asks to or it is wrong.',
    inputSchema: z.object({
      id: z.string().min(1).describe('Id of the memory to forget.'),
      reason: z.string().min(1).max(1000).optional().describe('Why it is forgotten.'),
    }),
    execute: (input: ForgetMemoryInput): Promise<ForgetMemoryOutput> =>
      withToolErrors(async () => {
        const item = await scope.forget({ id: input.id, ...(input.reason !== undefined ? { reason: input.reason } : {}) });
        return { forgotten: { id: item.id, status: item.status } };
      }),
  });

  return { searchMemories, addMemory, updateMemory, forgetMemory };
}
