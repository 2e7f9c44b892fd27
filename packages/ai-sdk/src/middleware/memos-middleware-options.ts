import type { Logger, MemOS, MemoryItem } from '@memos-js/core';
import type { MemosCallContext, MemosIdentityResolver } from './memos-call-context.ts';
import type { SessionMemoriesRequest, SessionMemory } from './get-session-memories.ts';

/** Options of {@link memosMiddleware}. */
export interface MemosMiddlewareOptions {
  /** The MemOS runtime (already `setup()`). */
  mos: MemOS;
  /**
   * Who is talking and where, decided on the server: a fixed `{ userId, cubeId?, cubeIds?, ... }`
   * (a middleware built per request from the authenticated session) or a function of the call
   * options that returns it (read only what your server set after authentication). Return
   * `undefined` to let the call pass through untouched (nothing retrieved, injected or written, no
   * metadata). `sessionId`, `userName`, `assistantName` and `turnId` not returned here are taken
   * from `providerOptions.memos`; its `userId`, `cubeId` and `cubeIds` are ignored. Required
   * unless `trustClientIdentity` (constructing the middleware with neither is a `ValidationError`).
   */
  identity?: MemosCallContext | MemosIdentityResolver;
  /**
   * UNSAFE wherever a client can shape the call (a route that passes the request body on):
   * `true` takes the user and cubes from `providerOptions.memos` (`{ userId, cubeId?, cubeIds?,
   * sessionId?, ... }`, see {@link resolveFromProviderOptions}), which such a client sets to any
   * user's id. For local scripts, tests and single-user tools only.
   */
  trustClientIdentity?: boolean;
  /** Most memories retrieved per call (default 5). */
  topK?: number;
  /**
   * Approximate token budget of the injected memory message (default 1000). Memories are dropped
   * from the lowest-ranked up until the formatted message fits; if none fits nothing is injected.
   */
  tokenBudget?: number;
  /** Token counter used for the budget (default: `ceil(characters / 4)`). */
  countTokens?: (text: string) => number;
  /**
   * What to inject: `system-message` (default) adds one system message after the prompt's leading
   * system messages; `none` injects nothing and skips retrieval (write-only memory).
   */
  inject?: 'system-message' | 'none';
  /**
   * Renders the chosen memories as the injected message text (default {@link formatMemories}).
   * Must be deterministic (no clock, no random ids) so equal memories give an equal prefix.
   */
  format?: (memories: readonly SessionMemory[]) => string;
  /**
   * Gets a turn's memories (default {@link getSessionMemories}: hybrid search on the latest user
   * message within the cubes). Errors it throws fail the model call; wrap it to degrade instead.
   */
  retrieve?: (request: SessionMemoriesRequest) => Promise<readonly SessionMemory[]>;
  /** Write each completed turn (latest user message + assistant text) back to the cube (default true). */
  write?: boolean;
  /** Called after a turn's memories were chosen and injected (also with none), before the model runs; errors it throws fail the call. */
  onInjected?: (event: MemosInjectedEvent) => void;
  /** Called after a turn was written in the background. Errors it throws go to `onError`. */
  onWritten?: (event: MemosWrittenEvent) => void | PromiseLike<void>;
  /**
   * Receives background failures (a turn write or `onWritten`), which never reach the model call
   * and never become unhandled rejections. Default: `logger.error`, else `console.error`.
   */
  onError?: (error: unknown, event: MemosErrorEvent) => void;
  /** Logger for background failures when `onError` is not set. */
  logger?: Logger;
  /** Clock stamped as the chat time of written messages: the user's at the call, the assistant's at the end (default `() => new Date()`). */
  now?: () => Date;
}

/** Payload of `onInjected`. */
export interface MemosInjectedEvent {
  context: MemosCallContext;
  /** Memories injected, in the order they appear (after the token budget). */
  memories: SessionMemory[];
  /** The injected system message text (`''` when nothing was injected). */
  text: string;
}

/** Payload of `onWritten`. */
export interface MemosWrittenEvent {
  context: MemosCallContext;
  /** Memory items the turn created. */
  items: MemoryItem[];
  /** Ids of the memories injected into the call that produced this turn. */
  injected: string[];
  /** The user message text written. */
  userText: string;
  /** The assistant text written. */
  assistantText: string;
}

/** Second argument of `onError`. */
export interface MemosErrorEvent {
  /** What failed: the turn write or the `onWritten` callback. */
  phase: 'write' | 'onWritten';
  context: MemosCallContext;
}
