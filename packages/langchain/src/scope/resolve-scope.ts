import { checkIdentityOptions, resolveIdentity, ValidationError, type AdapterIdentityOptions, type IdentityResolver } from '@memos-js/core';

/** Who and where a framework call reads and writes memories. */
export interface MemOSScope {
  /** Acting MemOS user (from the server-side `identity`, never from the client unless `trustClientIdentity`). */
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
  /** `runtime.context` (agents: `invoke(input, { context })`). Set by whoever invokes the run: a client of a deployed graph. */
  context?: unknown;
  /**
   * `config.configurable` (e.g. `thread_id`). Clients of a deployed graph set it too; fields your
   * platform sets after authentication (LangGraph Platform: `langgraph_auth_user`) are the ones to trust.
   */
  configurable?: Record<string, unknown> | undefined;
}

/** Resolves the user (and cubes) of a run on the server; see `IdentityResolver` in `@memos-js/core`. */
export type ScopeResolver = IdentityResolver<ScopeSource>;

/**
 * Scope options shared by the LangChain/LangGraph adapters that serve many users (memory nodes,
 * `MemOSStore`, agent middleware, memory tools). Identity: exactly one of `identity` (a fixed
 * `{ userId, cubeId?, cubeIds? }` or a resolver run on the server for each run) and
 * `trustClientIdentity: true` (reads `context.userId` / `configurable.userId`, which any client of
 * a deployed graph sets: unsafe outside local scripts); constructing an adapter with neither is a
 * `ValidationError`. Per field, the identity wins over the static options below, which win over
 * the run's own values: `cubeId`/`cubeIds` come from the run only with `trustClientIdentity`;
 * `sessionId` (a conversation label, not an identity) may come from `context.sessionId`,
 * `configurable.sessionId` or `configurable.thread_id`.
 */
export interface ScopeOptions extends AdapterIdentityOptions<ScopeSource> {
  /** Static cube for writes when the identity names none. */
  cubeId?: string;
  /** Static cubes for searches when the identity names none (else every cube the user can read). */
  cubeIds?: string[];
  /** Static session id (default: `context.sessionId` / `configurable.sessionId` / `configurable.thread_id`). */
  sessionId?: string;
}

function pick(source: unknown): Partial<MemOSScope> {
  if (typeof source !== 'object' || source === null) return {};
  const record = source as Record<string, unknown>;
  const scope: Partial<MemOSScope> = {};
  if (typeof record['userId'] === 'string' && record['userId'].length > 0) scope.userId = record['userId'];
  if (typeof record['cubeId'] === 'string' && record['cubeId'].length > 0) scope.cubeId = record['cubeId'];
  if (Array.isArray(record['cubeIds']) && record['cubeIds'].every((c) => typeof c === 'string')) scope.cubeIds = [...record['cubeIds']] as string[];
  if (typeof record['sessionId'] === 'string') scope.sessionId = record['sessionId'];
  return scope;
}

function definedOnly<T extends object>(scope: T): Partial<T> {
  return Object.fromEntries(Object.entries(scope).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Checks the identity options of an adapter when it is constructed (`ValidationError`, field `${field}.identity`). */
export function checkScopeOptions(options: ScopeOptions, field: string): void {
  checkIdentityOptions(options, field);
}

/**
 * The scope of one run: the user and cubes from `identity` (or, with `trustClientIdentity`, from
 * `context` then `configurable`), the static options, and the session. Throws `ValidationError`
 * (field `${field}.userId`) when no user is found.
 */
export async function resolveScope(options: ScopeOptions, source: ScopeSource, field: string): Promise<MemOSScope> {
  const configurable = source.configurable ?? {};
  const fromConfig = pick(configurable);
  const fromContext = pick(source.context);
  const thread = typeof configurable['thread_id'] === 'string' ? configurable['thread_id'] : undefined;
  const sessionId = options.sessionId ?? fromContext.sessionId ?? fromConfig.sessionId ?? thread;
  const statics = definedOnly({ cubeId: options.cubeId, cubeIds: options.cubeIds });
  let scope: Partial<MemOSScope>;
  if (options.identity !== undefined) {
    const identity = await resolveIdentity(options.identity, source, `${field}.identity`);
    scope = { ...statics, ...(identity ? definedOnly(identity) : {}) };
  } else if (options.trustClientIdentity === true) {
    const client = { ...fromConfig, ...fromContext };
    scope = definedOnly({ userId: client.userId, cubeId: client.cubeId, cubeIds: client.cubeIds, ...statics });
  } else {
    checkScopeOptions(options, field);
    scope = {};
  }
  if (sessionId !== undefined) scope.sessionId = sessionId;
  if (scope.userId === undefined) {
    const where = options.identity !== undefined ? 'the `identity` resolver gave no user for this run' : 'set `userId` in the run context (`context.userId`) or in `configurable.userId`';
    throw new ValidationError(`${field}.userId`, `is not set: ${where}`);
  }
  return scope as MemOSScope;
}

/** The write cube of a scope, or a `ValidationError` naming where to set it. */
export function requireCubeId(scope: MemOSScope, field: string): string {
  if (scope.cubeId === undefined) throw new ValidationError(`${field}.cubeId`, 'is not set: return `cubeId` from `identity` or pass `cubeId` in the options');
  return scope.cubeId;
}
