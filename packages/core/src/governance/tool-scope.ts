import { MemosError } from '../errors/memos-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import type { FilterInput } from '../mos/mos-inputs.ts';
import type { MemOS } from '../mos.ts';
import type { MemoryItem, SearchHit } from '../spec/index.ts';

/** The part of the MOS the memory tools use (every call is checked by its access control). */
export type ToolScopeMos = Pick<MemOS, 'get' | 'search' | 'add' | 'update' | 'delete'>;

/** Options of {@link createToolScope}. */
export interface ToolScopeOptions {
  /** The MemOS runtime. */
  mos: ToolScopeMos;
  /** The user the tools act for (resolved on the server). */
  userId: string;
  /** Cube memories are added to; also the scope when `cubeIds` is not set. */
  cubeId?: string;
  /** Cubes the tools may search, update and forget in (default `[cubeId]`). */
  cubeIds?: readonly string[];
  /** Name of the tool, used in error fields (e.g. `forget_memory`). */
  field: string;
}

/** What a tool adds: one plain-text memory. */
export interface ToolAddInput {
  /** The memory text. */
  text: string;
  /** Memory type (default: the reader's choice). */
  memoryType?: string;
  /** Tags of the new memory. */
  tags?: string[];
  /** Session id stored on it. */
  sessionId?: string;
}

/** What the memory tools of every framework package may do, confined to one user and a set of cubes. */
export interface ToolScope {
  readonly userId: string;
  /** Cubes in scope; `undefined` when neither `cubeIds` nor `cubeId` was set (search: every cube the user can read). */
  readonly cubeIds: readonly string[] | undefined;
  /** Hybrid search in the scope's cubes. */
  search(input: { query: string; topK: number; filter?: FilterInput }): Promise<SearchHit[]>;
  /** Adds a memory to the scope's `cubeId` (a `ValidationError` without one). */
  add(input: ToolAddInput): Promise<MemoryItem[]>;
  /**
   * A memory of the scope. An id outside the scope's cubes, in a cube the user may not read, or
   * unknown gives the same `NotFoundError('memory', id)`: nothing about items outside is revealed.
   */
  get(id: string): Promise<MemoryItem>;
  /** Changes the text of a memory of the scope (a new version); outside the scope: `NotFoundError`. */
  update(input: { id: string; text: string; reason?: string }): Promise<MemoryItem>;
  /** Forgets (soft-deletes) a memory of the scope; outside the scope: `NotFoundError`. */
  forget(input: { id: string; reason?: string }): Promise<MemoryItem>;
}

/**
 * The one scope check behind every memory tool (`@memos-js/langchain`'s `createMemoryTools`,
 * `@memos-js/ai-sdk`'s `memosTools`): searches only the scope's cubes, adds only to its `cubeId`,
 * and updates or forgets an item only after reading it as the user and finding it in one of the
 * scope's cubes. The MOS's access control still applies to every call (a read-only cube in scope
 * rejects updates with `AccessDeniedError`).
 */
export function createToolScope(options: ToolScopeOptions): ToolScope {
  const { mos, userId, field } = options;
  const cubeIds = options.cubeIds !== undefined ? [...options.cubeIds] : options.cubeId !== undefined ? [options.cubeId] : undefined;
  if (cubeIds !== undefined && (cubeIds.length === 0 || !cubeIds.every((c) => typeof c === 'string' && c.length > 0))) {
    throw new ValidationError(`${field}.cubeIds`, 'must be a non-empty array of non-empty strings');
  }

  function scopeCubes(): string[] {
    if (cubeIds === undefined) throw new ValidationError(`${field}.cubeIds`, 'is not set: pass `cubeId` or `cubeIds`, the cubes the tool may change memories in');
    return cubeIds;
  }

  async function get(id: string): Promise<MemoryItem> {
    const allowed = scopeCubes();
    let item: MemoryItem;
    try {
      item = await mos.get({ userId, id });
    } catch (error) {
      // Unknown, or in a cube the user may not read: the same answer, naming only the id asked for.
      if (MemosError.isInstance(error) && (error.code === 'MEMOS_NOT_FOUND' || error.code === 'MEMOS_ACCESS_DENIED')) throw new NotFoundError('memory', id);
      throw error;
    }
    if (!allowed.includes(item.cubeId)) throw new NotFoundError('memory', id);
    return item;
  }

  return {
    userId,
    cubeIds,
    async search({ query, topK, filter }) {
      const { hits } = await mos.search({ userId, query, topK, ...(cubeIds !== undefined ? { cubeIds } : {}), ...(filter !== undefined ? { filter } : {}) });
      return hits;
    },
    async add(input) {
      if (options.cubeId === undefined) throw new ValidationError(`${field}.cubeId`, 'is not set: pass `cubeId`, the cube new memories are added to');
      const { items } = await mos.add({
        userId, cubeId: options.cubeId, text: input.text,
        ...(input.memoryType !== undefined ? { memoryType: input.memoryType } : {}),
        ...(input.tags !== undefined && input.tags.length > 0 ? { tags: input.tags } : {}),
        ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
      });
      return items;
    },
    get,
    async update({ id, text, reason }) {
      await get(id);
      return mos.update({ userId, id, text, ...(reason !== undefined ? { reason } : {}) });
    },
    async forget({ id, reason }) {
      await get(id);
      return mos.delete({ userId, id, ...(reason !== undefined ? { reason } : {}) });
    },
  };
}
