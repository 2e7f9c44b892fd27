import { ValidationError } from '@memos-js/core';

/** Who and where a framework call reads and writes memories. */
export interface MemOSScope {
  /** Acting MemOS user. */
  userId: string;
  /** Cube new memories are written to. */
  cubeId?: string;
  /** Cubes searched (default: every cube the user can read). */
  cubeIds?: string[];
  /** Conversation id stored on written memories (default: the LangGraph `thread_id`). */
  sessionId?: string;
}

/** What a resolver sees of the current run: LangGraph/agent `runtime.context` and `configurable`. */
export interface ScopeSource {
  /** `runtime.context` (agents: `invoke(input, { context })`). */
  context?: unknown;
  /** `config.configurable` (e.g. `thread_id`, `userId`). */
  configurable?: Record<string, unknown> | undefined;
}

/** Resolves the scope per call from the run's context or configurable. */
export type ScopeResolver = (source: ScopeSource) => Partial<MemOSScope> | undefined | Promise<Partial<MemOSScope> | undefined>;

/**
 * Scope options shared by the middleware, tools and nodes. Per field, later sources win:
 * `configurable.thread_id` (session only), `configurable`, `context`, these static options, then
 * `resolveScope`. Static options win over run values so that a value a client can send (such as
 * `configurable.userId` on a deployed graph) never overrides what the application fixed.
 */
export interface ScopeOptions {
  /** Fixed user id (default: `context.userId` or `configurable.userId` of each run). */
  userId?: string;
  /** Static cube for writes (default: `context.cubeId` / `configurable.cubeId`). */
  cubeId?: string;
  /** Static cubes for searches (default: `context.cubeIds` / `configurable.cubeIds`, else every readable cube). */
  cubeIds?: string[];
  /** Static session id (default: `context.sessionId` / `configurable.sessionId` / `configurable.thread_id`). */
  sessionId?: string;
  /** Per-call resolver (e.g. from an authenticated context); what it returns overrides everything else. */
  resolveScope?: ScopeResolver;
}

function pick(source: unknown): Partial<MemOSScope> {
  if (typeof source !== 'object' || source === null) return {};
  const record = source as Record<string, unknown>;
  const scope: Partial<MemOSScope> = {};
  if (typeof record.userId === 'string') scope.userId = record.userId;
  if (typeof record.cubeId === 'string') scope.cubeId = record.cubeId;
  if (Array.isArray(record.cubeIds) && record.cubeIds.every((c) => typeof c === 'string')) scope.cubeIds = [...record.cubeIds] as string[];
  if (typeof record.sessionId === 'string') scope.sessionId = record.sessionId;
  return scope;
}

function definedOnly(scope: Partial<MemOSScope> | undefined): Partial<MemOSScope> {
  return Object.fromEntries(Object.entries(scope ?? {}).filter(([, v]) => v !== undefined)) as Partial<MemOSScope>;
}

/**
 * Merges the static options, `configurable`, `context` and the resolver into one scope.
 * Throws `ValidationError` (field `${field}.userId`) when no user id is found.
 */
export async function resolveScope(options: ScopeOptions, source: ScopeSource, field: string): Promise<MemOSScope> {
  const configurable = source.configurable ?? {};
  const fromThread = typeof configurable.thread_id === 'string' ? { sessionId: configurable.thread_id } : {};
  const staticScope = definedOnly({ userId: options.userId, cubeId: options.cubeId, cubeIds: options.cubeIds, sessionId: options.sessionId });
  const resolved = options.resolveScope ? definedOnly(await options.resolveScope(source)) : {};
  const scope = { ...fromThread, ...pick(configurable), ...pick(source.context), ...staticScope, ...resolved };
  if (scope.userId === undefined || scope.userId === '') {
    throw new ValidationError(`${field}.userId`, 'is not set: pass `userId` in the options, in the run context (`context.userId`) or in `configurable.userId`');
  }
  return scope as MemOSScope;
}

/** The write cube of a scope, or a `ValidationError` naming where to set it. */
export function requireCubeId(scope: MemOSScope, field: string): string {
  if (scope.cubeId === undefined) throw new ValidationError(`${field}.cubeId`, 'is not set: pass `cubeId` in the options, the run context or `configurable`');
  return scope.cubeId;
}
