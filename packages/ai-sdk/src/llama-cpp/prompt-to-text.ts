import type { LanguageModelV4Prompt } from '@ai-sdk/provider';

/** Role labels of {@link promptToText}. */
export interface PromptLabels {
  user: string;
  assistant: string;
  tool: string;
}

/** Default labels: `User`, `Assistant`, `Tool`. */
export const DEFAULT_PROMPT_LABELS: PromptLabels = { user: 'User', assistant: 'Assistant', tool: 'Tool' };

/**
 * Turns a V4 prompt into plain text for a completion model without a chat template: the system
 * messages first (joined by blank lines), then one `Label: text` block per message, ending with
 * `Assistant:` for the model to continue. Tool calls and results are written as bracketed JSON,
 * files as `[file: media/type]`. Deterministic: the same prompt always gives the same text.
 */
export function promptToText(prompt: LanguageModelV4Prompt, labels: PromptLabels = DEFAULT_PROMPT_LABELS): string {
  const system: string[] = [];
  const turns: string[] = [];
  for (const message of prompt) {
    switch (message.role) {
      case 'system':
        system.push(message.content.trim());
        break;
      case 'user':
        turns.push(`${labels.user}: ${message.content.map((part) => (part.type === 'text' ? part.text : `[file: ${part.mediaType}]`)).join('\n').trim()}`);
        break;
      case 'assistant': {
        const parts = message.content.flatMap((part) => {
          if (part.type === 'text') return [part.text];
          if (part.type === 'tool-call') return [`[tool-call ${part.toolName} ${JSON.stringify(part.input)}]`];
          if (part.type === 'tool-result') return [`[tool-result ${part.toolName} ${JSON.stringify(part.output)}]`];
          if (part.type === 'file') return [`[file: ${part.mediaType}]`];
          return [];
        });
        turns.push(`${labels.assistant}: ${parts.join('\n').trim()}`);
        break;
      }
      case 'tool':
        for (const part of message.content) {
          if (part.type === 'tool-result') turns.push(`${labels.tool}: [tool-result ${part.toolName} ${JSON.stringify(part.output)}]`);
        }
        break;
    }
  }
  const head = system.filter((s) => s.length > 0).join('\n\n');
  const body = [...turns, `${labels.assistant}:`].join('\n');
  return head.length > 0 ? `${head}\n\n${body}` : body;
}
