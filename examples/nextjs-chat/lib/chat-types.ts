/**
 * Types shared by the route handler and the page (no server imports here: the page bundles it).
 */
import type { UIMessage } from 'ai';

/** A memory as the page shows it (a small, JSON-safe view of a MemOS `MemoryItem`). */
export interface MemoryView {
  id: string;
  text: string;
  memoryType: string;
  /** Who said it: the first source's speaker or role (`user`, `assistant`, ...). */
  source?: string;
  /** Fused hybrid-search score (injected memories only). */
  score?: number;
  createdAt: string;
}

/** The `data-memos` part of an assistant reply: what the turn injected and what it created. */
export interface MemosPanelData {
  /** Memories the middleware injected into this turn's prompt, best first. */
  injected: MemoryView[];
  /** Memories written for this turn; `null` while the background write is still running. */
  created: MemoryView[] | null;
  /** Which model answered (the offline scripted model or an OpenAI model). */
  model: string;
  /** Set when writing the turn to memory failed (the reply itself is unaffected). */
  error?: string;
}

/** The chat's UI message: text parts plus one `data-memos` part per assistant reply. */
export type ChatMessage = UIMessage<never, { memos: MemosPanelData }>;

/** The demo's fixed user (a real app takes the user from its auth session, never from the request body). */
export const DEMO_USER_ID = 'demo-user';

/** Request body of `POST /api/chat` next to `messages` (sent by the page's transport). */
export interface ChatRequestExtras {
  userId: string;
  sessionId: string;
}
