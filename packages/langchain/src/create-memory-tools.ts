import { tool, type ToolRuntime } from '@langchain/core/tools';
import { createToolScope, type FilterInput, type MemOS, type MemoryItem, type ToolScope } from '@memos-js/core';
import { z } from 'zod';
import { memoryTime } from './format/format-memories.ts';
import { checkScopeOptions, resolveScope, type ScopeOptions, type ScopeSource } from './scope/resolve-scope.ts';

/** Options of {@link createMemoryTools}. */
export interface MemoryToolsOptions extends ScopeOptions {
  /** The MemOS runtime (set up). */
  mos: MemOS;
  /** Default number of search results (default 5; the model may ask for up to `maxTopK`). */
  topK?: number;
  /** Largest `topK` the model may ask for (default 20). */
  maxTopK?: number;
  /** Filter applied to every search (e.g. memory types). */
  filter?: FilterInput;
  /** Memory type of memories the model adds (default `fact`). */
  memoryType?: string;
  /** Tags added to memories the model adds (default `['agent']`). */
  tags?: string[];
  /** Prefix of the tool names (default `''`: `search_memory`, `add_memory`, `update_memory`, `forget_memory`). */
  namePrefix?: string;
}

/** A memory as the tools show it to a model. */
export interface ToolMemory {
  id: string;
  text: string;
  memoryType: string;
  /** When it happened or was learned (ISO date). */
  date: string;
  /** Fused search score (search only). */
  score?: number;
  version: number;
}

function toToolMemory(item: MemoryItem, score?: number): ToolMemory {
  return { id: item.id, text: item.text, memoryType: item.memoryType, date: memoryTime(item).slice(0, 10), version: item.version, ...(score !== undefined ? { score } : {}) };
}

function sourceOf(runtime: ToolRuntime | undefined): ScopeSource {
  const configurable = (runtime?.configurable ?? runtime?.config?.configurable) as Record<string, unknown> | undefined;
  return { context: runtime?.context, configurable };
}

/**
 * Memory tools for agents, as LangChain `tool()`s with zod schemas: `search_memory`, `add_memory`,
 * `update_memory` (a new version) and `forget_memory` (soft delete, restorable). The user and cubes
 * come from `identity`, resolved on the server for each run (or, with `trustClientIdentity: true`,
 * from the run's `context` / `configurable`); see `ScopeOptions`. The tools are confined to the
 * scope's cubes (`cubeIds`, else `[cubeId]`) by the core's shared tool scope: an id outside them
 * is reported exactly like an unknown id (`NotFoundError`). Every MemOS failure is thrown as its
 * typed `MemosError`.
 */
export function createMemoryTools(options: MemoryToolsOptions) {
  checkScopeOptions(options, 'createMemoryTools');
  const { mos } = options;
  const prefix = options.namePrefix ?? '';
  const maxTopK = options.maxTopK ?? 20;

  async function scopeOf(runtime: ToolRuntime | undefined, field: string): Promise<{ tools: ToolScope; sessionId: string | undefined }> {
    const scope = await resolveScope(options, sourceOf(runtime), field);
    const tools = createToolScope({
      mos, userId: scope.userId, field,
      ...(scope.cubeId !== undefined ? { cubeId: scope.cubeId } : {}),
      ...(scope.cubeIds !== undefined ? { cubeIds: scope.cubeIds } : {}),
    });
    return { tools, sessionId: scope.sessionId };
  }

  const search = tool(
    async ({ query, topK }: { query: string; topK?: number | undefined }, runtime: ToolRuntime) => {
      const { tools } = await scopeOf(runtime, 'search_memory');
      const hits = await tools.search({ query, topK: topK ?? options.topK ?? 5, ...(options.filter ? { filter: options.filter } : {}) });
      return JSON.stringify(hits.map((h) => toToolMemory(h.item, h.score)));
    },
    {
      name: `${prefix}search_memory`,
      description: 'Search long-term memory for facts, preferences and past events relevant to a query. Returns a JSON list of memories with their ids.',
      schema: z.object({
        query: z.string().min(1).describe('What to look for, in natural language'),
        topK: z.number().int().min(1).max(maxTopK).optional().describe('How many memories to return'),
      }),
    },
  );

  const add = tool(
    async ({ text, memoryType, tags }: { text: string; memoryType?: string | undefined; tags?: string[] | undefined }, runtime: ToolRuntime) => {
      const { tools, sessionId } = await scopeOf(runtime, 'add_memory');
      const items = await tools.add({
        text, memoryType: memoryType ?? options.memoryType ?? 'fact',
        tags: [...new Set([...(options.tags ?? ['agent']), ...(tags ?? [])])],
        ...(sessionId ? { sessionId } : {}),
      });
      return JSON.stringify(items.map((item) => toToolMemory(item)));
    },
    {
      name: `${prefix}add_memory`,
      description: 'Remember a new fact, preference or event for later conversations. Write one self-contained statement.',
      schema: z.object({
        text: z.string().min(1).describe('The memory, as one self-contained statement'),
        memoryType: z.string().min(1).max(64).optional().describe('Kind of memory, e.g. fact, preference, event'),
        tags: z.array(z.string().min(1).max(128)).max(16).optional().describe('Optional tags'),
      }),
    },
  );

  const update = tool(
    async ({ id, text, reason }: { id: string; text: string; reason?: string | undefined }, runtime: ToolRuntime) => {
      const { tools } = await scopeOf(runtime, 'update_memory');
      const item = await tools.update({ id, text, ...(reason ? { reason } : {}) });
      return JSON.stringify(toToolMemory(item));
    },
    {
      name: `${prefix}update_memory`,
      description: 'Correct or refine an existing memory (by id from search_memory). The old text is kept in its history.',
      schema: z.object({
        id: z.string().min(1).describe('Id of the memory to change'),
        text: z.string().min(1).describe('The new text of the memory'),
        reason: z.string().max(1_000).optional().describe('Why it changed'),
      }),
    },
  );

  const forget = tool(
    async ({ id, reason }: { id: string; reason?: string | undefined }, runtime: ToolRuntime) => {
      const { tools } = await scopeOf(runtime, 'forget_memory');
      const item = await tools.forget({ id, ...(reason ? { reason } : {}) });
      return JSON.stringify({ id: item.id, forgotten: true });
    },
    {
      name: `${prefix}forget_memory`,
      description: 'Forget a memory that is wrong or that the user asked to forget (by id from search_memory).',
      schema: z.object({
        id: z.string().min(1).describe('Id of the memory to forget'),
        reason: z.string().max(1_000).optional().describe('Why it is forgotten'),
      }),
    },
  );

  return [search, add, update, forget] as const;
}
