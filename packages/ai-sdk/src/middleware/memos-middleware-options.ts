import type { AfterTurnInput, Logger, MemOS, MemoryItem } from '@memos-js/core';
import type { MemosCallContext, MemosIdentityResolver } from './memos-call-context.ts';
import type { SessionMemoriesRequest, SessionMemory } from './get-session-memories.ts';
import type { MemoryBlockInfo } from './format-memories.ts';
import type { RetrievedPlacement, WorkingMemoryPlacement } from './inject-memory-message.ts';

/** A session's working memory as the middleware reads it (structurally a core `WorkingMemorySnapshot`). */
export interface WorkingMemoryView {
  /** Increments whenever the set or its order changes. */
  version: number;
  /** In the block's order (pinned first, as the scheduler orders them). */
  entries: ReadonlyArray<{ item: MemoryItem; score?: number; pinned?: boolean }>;
}

/** What the middleware asks for when it reads a session's working memory. */
export interface WorkingMemoryRequest {
  mos: MemOS;
  userId: string;
  sessionId: string;
  cubeIds?: string[];
}

/** What the middleware reports after each answered turn (the scheduler's `afterTurn` input: it updates working memory from it). */
export type AfterTurnEvent = AfterTurnInput;

/** Where the two memory blocks go (see the README's "Injection that keeps caches warm"). */
export interface MemosPlacement {
  /** `after-system` (default): the working memory as one system message right after the leading system messages; `none`: not injected. */
  workingMemory?: WorkingMemoryPlacement;
  /**
   * `before-last-user` (default): the turn's retrieved memories as a user message right before the
   * latest user message, so the prefix before it stays byte-identical; `after-system`: a system
   * message after the working memory (the layout before issue 10); `none`: not retrieved.
   */
  retrieved?: RetrievedPlacement;
}

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
   * `none` injects nothing and skips retrieval and working memory (write-only memory); `system-message`
   * (default) injects as `placement` says.
   */
  inject?: 'system-message' | 'none';
  /** Where the working-memory and retrieved blocks go (default `{ workingMemory: 'after-system', retrieved: 'before-last-user' }`). */
  placement?: MemosPlacement;
  /**
   * Lowest score a retrieved memory needs to be injected, after `assistantWeight` (default
   * {@link DEFAULT_MIN_SCORE}, 0.5, measured on the lexical embedder). Memories without a score count as 1.
   */
  minScore?: number;
  /**
   * Weight (0..1) of retrieved memories whose every source is the assistant (default 0: the
   * assistant's own replies, such as "Noted, I'll remember that", are never injected).
   */
  assistantWeight?: number;
  /** Approximate token budget of the working-memory block (default 1000); entries past it are left out, last first. */
  workingMemoryTokenBudget?: number;
  /**
   * Reads the session's working memory (calls without a `sessionId` have none). Default: the
   * runtime's MemScheduler, `mos.scheduler.workingMemory({ userId, sessionId })`; `false`: no working memory.
   */
  workingMemory?: false | ((request: WorkingMemoryRequest) => Promise<WorkingMemoryView | undefined>);
  /**
   * Called in the background after each answered turn of a session (after its write). Default:
   * `mos.scheduler.afterTurn`; `false`: not called. Errors go to `onError`.
   */
  afterTurn?: false | ((event: AfterTurnEvent) => Promise<void>);
  /**
   * Set provider prompt-cache options (default true): `providerOptions.openai.promptCacheKey` per
   * user and cubes (a caller's value is kept) and, for Anthropic models, cache control on the
   * working-memory message.
   */
  providerCache?: boolean;
  /**
   * Renders memories as a block's text (default {@link formatMemories}). Must be deterministic (no
   * clock, no random ids) so equal memories give an equal prefix, and should quote the memories as data.
   */
  format?: (memories: readonly SessionMemory[], block: MemoryBlockInfo) => string;
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
  /** Retrieved memories injected, in the order they appear (after the floor and the token budget). */
  memories: SessionMemory[];
  /** The injected retrieved block text (`''` when nothing was injected). */
  text: string;
  /** Working-memory entries injected as the stable block, and its text (`''`: none). */
  workingMemory: { version?: number; memories: SessionMemory[]; text: string };
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
  phase: 'write' | 'onWritten' | 'afterTurn';
  context: MemosCallContext;
}
