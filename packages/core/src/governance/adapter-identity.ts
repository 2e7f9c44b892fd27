import { ValidationError } from '../errors/validation-error.ts';

/**
 * Who a framework adapter (LangGraph node or store, agent middleware, AI SDK middleware, memory
 * tools) acts for in one call, as the server established it. Every MOS call the adapter makes
 * carries `userId`; the MOS's access control decides which cubes that user may read and write.
 */
export interface AdapterIdentity {
  /** Acting MemOS user. */
  userId: string;
  /** Cube new memories are written to (checked for `write` access by the MOS). */
  cubeId?: string;
  /** Cubes read (each checked for `read` access by the MOS; default: the adapter's own default). */
  cubeIds?: string[];
}

/**
 * Resolves the identity of one call on the server, from what the adapter knows of the call
 * (`source`: a LangGraph/agent run's `configurable` and `context`, or the AI SDK call options).
 * Read only what your server set and checked (an authenticated session, LangGraph Platform's
 * `configurable.langgraph_auth_user`, a value your route handler put there after authentication):
 * everything else in `source` may come from the client. Returning `undefined` means "no user":
 * adapters that can pass a call through untouched (the AI SDK middleware) do so, the others throw.
 */
export type IdentityResolver<Source> = (source: Source) => AdapterIdentity | undefined | PromiseLike<AdapterIdentity | undefined>;

/** A fixed identity (an adapter built for one user) or a per-call {@link IdentityResolver}. */
export type IdentityOption<Source> = AdapterIdentity | IdentityResolver<Source>;

/**
 * The identity options every adapter that serves several users takes. Exactly one is required:
 * constructing such an adapter with neither (or both) throws `ValidationError`.
 */
export interface AdapterIdentityOptions<Source> {
  /** Who each call is for, resolved on the server: a fixed identity or a resolver (see {@link IdentityResolver}). */
  identity?: IdentityOption<Source>;
  /**
   * UNSAFE for anything a client can reach (a deployed graph, an HTTP route): `true` reads the user
   * and cubes from the call itself (`configurable` / `context` of a LangGraph or agent run,
   * `providerOptions.memos` of an AI SDK call), which any client can set to another user's id.
   * Only for local scripts, tests and single-user tools where the caller is the user.
   */
  trustClientIdentity?: boolean;
}

/**
 * Checks an adapter's identity options when it is constructed: exactly one of `identity` (an
 * identity object or a function) and `trustClientIdentity: true`. Throws `ValidationError`
 * (field `${field}.identity`) otherwise.
 */
export function checkIdentityOptions<Source>(options: AdapterIdentityOptions<Source>, field: string): void {
  const { identity, trustClientIdentity } = options;
  if (trustClientIdentity !== undefined && typeof trustClientIdentity !== 'boolean') {
    throw new ValidationError(`${field}.trustClientIdentity`, 'must be a boolean');
  }
  if (identity === undefined) {
    if (trustClientIdentity === true) return;
    throw new ValidationError(
      `${field}.identity`,
      'is required: pass `identity` (a fixed `{ userId, cubeId? }`, or a function that returns the authenticated user of each call, run on your server), '
        + 'or `trustClientIdentity: true` to read the user from the call itself (unsafe for deployed graphs and routes: any client can set it)',
    );
  }
  if (trustClientIdentity === true) {
    throw new ValidationError(`${field}.identity`, 'cannot be combined with `trustClientIdentity: true`: choose one source of identity');
  }
  if (typeof identity !== 'function') parseIdentity(identity, `${field}.identity`);
}

/**
 * Validates an identity value (from a resolver or a fixed option): a non-empty string `userId`,
 * optional non-empty `cubeId`, optional non-empty array of non-empty `cubeIds`. Returns a copy
 * without unknown fields; throws `ValidationError` naming the offending field.
 */
export function parseIdentity(value: unknown, field: string): AdapterIdentity {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(field, 'must be an object `{ userId, cubeId?, cubeIds? }`');
  const record = value as Record<string, unknown>;
  if (typeof record['userId'] !== 'string' || record['userId'].length === 0) throw new ValidationError(`${field}.userId`, 'must be a non-empty string');
  const identity: AdapterIdentity = { userId: record['userId'] };
  const cubeId = record['cubeId'];
  if (cubeId !== undefined) {
    if (typeof cubeId !== 'string' || cubeId.length === 0) throw new ValidationError(`${field}.cubeId`, 'must be a non-empty string');
    identity.cubeId = cubeId;
  }
  const cubeIds = record['cubeIds'];
  if (cubeIds !== undefined) {
    if (!Array.isArray(cubeIds) || cubeIds.length === 0 || !cubeIds.every((c) => typeof c === 'string' && c.length > 0)) {
      throw new ValidationError(`${field}.cubeIds`, 'must be a non-empty array of non-empty strings');
    }
    identity.cubeIds = [...(cubeIds as string[])];
  }
  return identity;
}

/**
 * Runs an adapter's `identity` option for one call: a fixed identity is returned as is (validated),
 * a resolver is called with `source` and its result validated. `undefined` when the resolver
 * returned nothing (the adapter decides what that means).
 */
export async function resolveIdentity<Source>(identity: IdentityOption<Source>, source: Source, field: string): Promise<AdapterIdentity | undefined> {
  const value = typeof identity === 'function' ? await identity(source) : identity;
  if (value === undefined || value === null) return undefined;
  return parseIdentity(value, field);
}
