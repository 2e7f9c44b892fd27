import type { LanguageModelV4Prompt } from '@ai-sdk/provider';

/**
 * Text of the latest user message of a prompt (its text parts joined with a newline; files are
 * ignored), or `''` when the prompt has no user message with text. In a multi-step tool loop
 * this stays the question that started the turn.
 */
export function latestUserText(prompt: LanguageModelV4Prompt): string {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i];
    if (message?.role !== 'user') continue;
    const text = message.content
      .flatMap((part) => (part.type === 'text' ? [part.text] : []))
      .join('\n')
      .trim();
    if (text.length > 0) return text;
  }
  return '';
}
