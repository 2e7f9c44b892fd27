import type { LanguageModelV4Prompt } from '@ai-sdk/provider';

/**
 * Returns a new prompt with one system message holding `text`, placed right after the leading
 * system messages (or first when there are none), so `[app system prompt, memories]` forms a
 * stable prefix that provider prompt caches can reuse. The input prompt is not modified.
 */
export function injectMemoryMessage(prompt: LanguageModelV4Prompt, text: string): LanguageModelV4Prompt {
  let at = 0;
  while (at < prompt.length && prompt[at]?.role === 'system') at++;
  return [...prompt.slice(0, at), { role: 'system', content: text }, ...prompt.slice(at)];
}
