import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { ValidationError } from '@memos-js/core';

/**
 * Who is talking and where, for one model call. The middleware gets it from its `resolve` option;
 * the default ({@link resolveFromProviderOptions}) reads `providerOptions.memos`.
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

const FIELD = 'providerOptions.memos';
const STRING_KEYS = ['userId', 'cubeId', 'sessionId', 'userName', 'assistantName', 'turnId'] as const;

/**
 * The default `resolve`: reads `providerOptions.memos` (`{ userId, cubeId?, cubeIds?, sessionId?,
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
