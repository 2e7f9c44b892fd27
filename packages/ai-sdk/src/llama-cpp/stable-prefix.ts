import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { ValidationError } from '@memos-js/core';

/** The stable prefix of a prompt: the text the activation cache keys and saves, and its provenance. */
export interface StablePrefix {
  /** Plain text of the prefix, exactly as it starts the rendered prompt (system texts joined by blank lines, then a blank line). */
  text: string;
  /** Memory items composed into the prefix (e.g. the working-memory block), for `forget`. */
  memoryIds: string[];
  /** Cubes of those memories. */
  cubeIds: string[];
}

/** Fields of `providerOptions.memos` read by the activation cache. */
export interface StablePrefixProviderOptions {
  /** How many leading messages form the stable prefix (default: every leading system message). Only system messages count. */
  stablePrefixMessages?: number;
  /** Memory ids composed into those messages (working memory), recorded as provenance so `forget` removes the state. */
  stableMemoryIds?: string[];
  /** Cubes of those memories. */
  stableCubeIds?: string[];
}

const FIELD = 'providerOptions.memos';

/**
 * The stable prefix of a call: its leading run of system messages (the system prompt and, with the
 * memory middleware, the working-memory block right after it), capped at `providerOptions.memos.stablePrefixMessages`
 * when set; `undefined` when the prompt starts with no non-empty system message. The text matches the
 * start of `promptToText`'s rendering, which puts system messages first.
 */
export function stablePrefixOf(call: Pick<LanguageModelV4CallOptions, 'prompt' | 'providerOptions'>): StablePrefix | undefined {
  const raw = (call.providerOptions?.['memos'] ?? {}) as Record<string, unknown>;
  const count = raw['stablePrefixMessages'];
  if (count !== undefined && (!Number.isInteger(count) || (count as number) < 0)) throw new ValidationError(`${FIELD}.stablePrefixMessages`, 'must be a non-negative integer');
  const memoryIds = stringList(raw['stableMemoryIds'], 'stableMemoryIds');
  const cubeIds = stringList(raw['stableCubeIds'], 'stableCubeIds');
  const limit = (count as number | undefined) ?? Number.POSITIVE_INFINITY;
  const parts: string[] = [];
  for (const [index, message] of call.prompt.entries()) {
    if (index >= limit || message.role !== 'system') break;
    const text = message.content.trim();
    if (text.length > 0) parts.push(text);
  }
  if (parts.length === 0) return undefined;
  return { text: `${parts.join('\n\n')}\n\n`, memoryIds, cubeIds };
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string' && id.length > 0)) throw new ValidationError(`${FIELD}.${name}`, 'must be an array of non-empty strings');
  return [...value] as string[];
}
