import { createHash } from 'node:crypto';
import type { LanguageModelV4Prompt, SharedV4ProviderOptions } from '@ai-sdk/provider';

/** sha256 (hex) of the serialized stable prefix: the first `messages` messages of the prompt. */
export function prefixHash(prompt: LanguageModelV4Prompt, messages: number): string {
  return createHash('sha256').update(JSON.stringify(prompt.slice(0, messages))).digest('hex');
}

/**
 * OpenAI's `promptCacheKey` for a user and cubes: a hash (the provider never sees the ids), the same
 * for every call of that user and cube set, so their calls share a cache shard.
 */
export function promptCacheKey(userId: string, cubeIds: readonly string[] | undefined): string {
  const cubes = cubeIds === undefined ? '*' : [...cubeIds].sort().join(',');
  return `memos-${createHash('sha256').update(JSON.stringify([userId, cubes])).digest('hex').slice(0, 32)}`;
}

/** Whether a model's provider id is Anthropic's (`anthropic.messages`, …). */
export function isAnthropicProvider(provider: string | undefined): boolean {
  return provider !== undefined && /^anthropic(\.|$)/.test(provider);
}

/** Call provider options with `openai.promptCacheKey` set, unless the caller set one. */
export function withPromptCacheKey(providerOptions: SharedV4ProviderOptions | undefined, key: string): SharedV4ProviderOptions {
  const openai = providerOptions?.['openai'];
  if (openai !== undefined && openai['promptCacheKey'] !== undefined) return providerOptions ?? {};
  return { ...providerOptions, openai: { ...openai, promptCacheKey: key } };
}

/** Message provider options of the stable block for Anthropic: cache control at its end. */
export const ANTHROPIC_CACHE_CONTROL: SharedV4ProviderOptions = { anthropic: { cacheControl: { type: 'ephemeral' } } };
