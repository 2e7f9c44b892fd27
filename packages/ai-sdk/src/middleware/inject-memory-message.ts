import type { LanguageModelV4Message, LanguageModelV4Prompt, SharedV4ProviderOptions } from '@ai-sdk/provider';

/** Where the per-turn retrieved block goes. */
export type RetrievedPlacement = 'before-last-user' | 'after-system' | 'none';
/** Where the working-memory block goes. */
export type WorkingMemoryPlacement = 'after-system' | 'none';

/** Number of leading system messages of a prompt. */
export function leadingSystemCount(prompt: LanguageModelV4Prompt): number {
  let at = 0;
  while (at < prompt.length && prompt[at]?.role === 'system') at++;
  return at;
}

/**
 * Returns a new prompt with one system message holding `text`, placed right after the leading
 * system messages (or first when there are none). The input prompt is not modified.
 */
export function injectMemoryMessage(prompt: LanguageModelV4Prompt, text: string, providerOptions?: SharedV4ProviderOptions): LanguageModelV4Prompt {
  const at = leadingSystemCount(prompt);
  const message: LanguageModelV4Message = { role: 'system', content: text, ...(providerOptions ? { providerOptions } : {}) };
  return [...prompt.slice(0, at), message, ...prompt.slice(at)];
}

/** Input of {@link injectMemoryBlocks}. */
export interface InjectMemoryBlocksOptions {
  /** Working-memory block text (`''`: none). */
  workingMemory: string;
  /** Provider options of the working-memory message (e.g. Anthropic cache control). */
  workingMemoryProviderOptions?: SharedV4ProviderOptions;
  /** Retrieved block text (`''`: none). */
  retrieved: string;
  retrievedPlacement: RetrievedPlacement;
}

/**
 * The two-block layout: `[leading system messages, working memory (system), ...history,
 * retrieved (user), latest user message, ...tool steps]`. The working-memory block ends the stable
 * prefix; the retrieved block sits as its own user message right before the latest user message, so
 * system + working memory + history stay byte-identical from turn to turn. With `after-system` the
 * retrieved block is a system message after the working memory (the old layout); with no user
 * message it falls back to that. Returns the prompt and how many leading messages form the stable prefix.
 */
export function injectMemoryBlocks(prompt: LanguageModelV4Prompt, options: InjectMemoryBlocksOptions): { prompt: LanguageModelV4Prompt; stableMessages: number } {
  let next = prompt;
  let stableMessages = leadingSystemCount(prompt);
  if (options.workingMemory.length > 0) {
    next = injectMemoryMessage(next, options.workingMemory, options.workingMemoryProviderOptions);
    stableMessages++;
  }
  if (options.retrieved.length === 0 || options.retrievedPlacement === 'none') return { prompt: next, stableMessages };
  const lastUser = options.retrievedPlacement === 'before-last-user' ? next.findLastIndex((m) => m.role === 'user') : -1;
  if (lastUser < stableMessages) {
    return { prompt: [...next.slice(0, stableMessages), { role: 'system', content: options.retrieved }, ...next.slice(stableMessages)], stableMessages };
  }
  const message: LanguageModelV4Message = { role: 'user', content: [{ type: 'text', text: options.retrieved }] };
  return { prompt: [...next.slice(0, lastUser), message, ...next.slice(lastUser)], stableMessages };
}
