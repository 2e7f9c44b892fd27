import type { BaseMessage } from '@langchain/core/messages';

/** MemOS chat roles. */
export type MemosRole = 'user' | 'assistant' | 'system' | 'tool';

/** The plain text of a message: its string content, or its text blocks concatenated (LangChain's `message.text`). */
export function messageText(message: BaseMessage): string {
  return message.text;
}

/** The MemOS role of a LangChain message type (`human` → `user`, `ai` → `assistant`, ...). */
export function memosRole(message: BaseMessage): MemosRole {
  switch (message.getType()) {
    case 'human':
      return 'user';
    case 'ai':
      return 'assistant';
    case 'system':
    case 'developer':
      return 'system';
    case 'tool':
    case 'function':
      return 'tool';
    case 'generic': {
      const role = (message as BaseMessage & { role?: string }).role;
      return role === 'assistant' || role === 'ai' ? 'assistant' : role === 'system' ? 'system' : role === 'tool' ? 'tool' : 'user';
    }
    default:
      return 'user';
  }
}

/** The last message of a given type, e.g. the latest human message. */
export function lastMessageOfType(messages: readonly BaseMessage[], type: string): BaseMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i];
    if (message && message.getType() === type) return message;
  }
  return undefined;
}
