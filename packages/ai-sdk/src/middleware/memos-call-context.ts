import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { parseIdentity, ValidationError } from '@memos-js/core';

/**
 * Who is talking and where, for one model call. The middleware gets the identity fields (`userId`,
 * `cubeId`, `cubeIds`) from its `identity` option, resolved on the server (or, with
 * `trustClientIdentity: true`, from `providerOptions.memos`: see {@link resolveFromProviderOptions});
 * the other fields may also come from `providerOptions.memos`.
 */
export interface MemosCallContext {
  /** Acting user: memories are searched and written as this user. */
  userId: string;
  /** Cube the turn is written to. Without it nothing is written. */
  cubeId?: string;
  /** Cubes searched for memories (default: `[cubeId]` when `cubeId` is set, else every cube the user can read). */
  cubeIds?: string[];
  /** Conversation id, stored on written memories (adjacent turns of a session are linked). */
  sessionId?: string;
  /** Speaker name recorded on the user's message (provenance). */
  userName?: string;
  /** Speaker name recorded on the assistant's message (provenance). */
  assistantName?: string;
  /** An id the app chooses for this turn; echoed in events and `providerMetadata.memos.turnId`. */
  turnId?: string;
}

/**
 * Resolves the identity of one call on the server from the call options (e.g. a value your route
 * handler put in `headers` or `providerOptions` after checking the session, or a closure over the
 * authenticated request). `undefined`: the call passes through untouched.
 */
export type MemosIdentityResolver = (params: LanguageModelV4CallOptions) => MemosCallContext | undefined | PromiseLike<MemosCallContext | undefined>;

const FIELD = 'providerOptions.memos';
const STRING_KEYS = ['userId', 'cubeId', 'sessionId', 'userName', 'assistantName', 'turnId'] as const;
/** Fields of a call context that say nothing about who may read what (a client may set them). */
const DETAIL_KEYS = ['sessionId', 'userName', 'assistantName', 'turnId'] as const;
type CallDetails = Pick<MemosCallContext, (typeof DETAIL_KEYS)[number]>;

/**
 * What the middleware uses with `trustClientIdentity: true` (UNSAFE wherever a client can shape the
 * call, e.g. a route that forwards the request body): reads `providerOptions.memos` (`{ userId, cubeId?, cubeIds?, sessionId?,
 * userName?, assistantName?, turnId? }`) of the call, as passed to `generateText({ providerOptions })`.
 * Returns `undefined` (the call passes through untouched) when there is no `memos` entry; throws a
 * `ValidationError` when the entry is there but malformed (e.g. no `userId`), so a typo never
 * silently turns memory off.
 */
export function resolveFromProviderOptions(params: LanguageModelV4CallOptions): MemosCallContext | undefined {
  const raw = params.providerOptions?.['memos'];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValidationError(FIELD, 'must be an object');
  const context: Record<string, unknown> = {};
  for (const key of STRING_KEYS) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.length === 0) throw new ValidationError(`${FIELD}.${key}`, 'must be a non-empty string');
    context[key] = value;
  }
  if (context['userId'] === undefined) throw new ValidationError(`${FIELD}.userId`, 'is required');
  const cubeIds = raw['cubeIds'];
  if (cubeIds !== undefined && cubeIds !== null) {
    if (!Array.isArray(cubeIds) || cubeIds.length === 0 || !cubeIds.every((id) => typeof id === 'string' && id.length > 0)) {
      throw new ValidationError(`${FIELD}.cubeIds`, 'must be a non-empty array of non-empty strings');
    }
    context['cubeIds'] = [...(cubeIds as string[])];
  }
  return context as unknown as MemosCallContext;
}

/** The non-identity fields of `providerOptions.memos` (`sessionId`, `userName`, `assistantName`, `turnId`); identity fields are ignored. */
function detailsFromProviderOptions(params: LanguageModelV4CallOptions): CallDetails {
  const raw = params.providerOptions?.['memos'];
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValidationError(FIELD, 'must be an object');
  return pickDetails(raw as Record<string, unknown>, FIELD);
}

function pickDetails(record: Record<string, unknown>, field: string): CallDetails {
  const details: Record<string, string> = {};
  for (const key of DETAIL_KEYS) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.length === 0) throw new ValidationError(`${field}.${key}`, 'must be a non-empty string');
    details[key] = value;
  }
  return details as CallDetails;
}

/** Options of {@link resolveCallContext} (the middleware's identity options). */
export interface CallContextOptions {
  /** A fixed call context, or a resolver run on the server for each call. */
  identity?: MemosCallContext | MemosIdentityResolver | undefined;
  /** Read the identity from `providerOptions.memos` (unsafe: see {@link resolveFromProviderOptions}). */
  trustClientIdentity?: boolean | undefined;
}

/**
 * The call context of one call: with `identity`, its user and cubes (validated) plus the session,
 * speaker names and turn id (the resolver's, else those of `providerOptions.memos`, whose `userId`,
 * `cubeId` and `cubeIds` are ignored); with `trustClientIdentity`, {@link resolveFromProviderOptions}.
 * `undefined` when the call passes through.
 */
export async function resolveCallContext(options: CallContextOptions, params: LanguageModelV4CallOptions): Promise<MemosCallContext | undefined> {
  if (options.identity === undefined) return options.trustClientIdentity === true ? resolveFromProviderOptions(params) : undefined;
  const resolved = typeof options.identity === 'function' ? await options.identity(params) : options.identity;
  if (resolved === undefined || resolved === null) return undefined;
  const identity = parseIdentity(resolved, 'memosMiddleware.identity');
  const own = pickDetails(resolved as unknown as Record<string, unknown>, 'memosMiddleware.identity');
  return { ...detailsFromProviderOptions(params), ...own, ...identity };
}
