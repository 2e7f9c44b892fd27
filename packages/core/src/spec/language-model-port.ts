/**
 * The narrow interface the reader (fine mode) and other LLM-using parts call. Structured output goes
 * through the core's `generateObject`, which validates the text against a zod schema, re-asks on
 * invalid output and records every call ({@link ModelCallRecord}).
 */
export interface LanguageModelPort {
  /** A stable identifier for logs and fingerprints. */
  readonly id: string;
  /** Generate text from a system prompt and messages. */
  generate(request: LanguageModelRequest): Promise<LanguageModelResponse>;
}

export interface LanguageModelRequest {
  system?: string;
  messages: { role: 'user' | 'assistant'; content: string }[];
  maxOutputTokens?: number;
  temperature?: number;
  /**
   * When set, the model must answer with JSON matching this JSON Schema. Implementations pass it to the
   * provider's structured output (AI SDK response format, LangChain `withStructuredOutput`, a llama.cpp
   * grammar) where they can; callers still validate the text (`generateObject` does).
   */
  jsonSchema?: Record<string, unknown>;
  abortSignal?: AbortSignal;
}

export interface LanguageModelResponse {
  /** The answer (for a `jsonSchema` request: the JSON text, possibly invalid). */
  text: string;
  usage?: { inputTokens?: number; outputTokens?: number };
  /** The model that answered, when the provider says (e.g. `gpt-4.1-mini-2025-04-14`). */
  modelId?: string;
}

/** How one model call made by `generateObject` ended. */
export type ModelCallOutcome = 'ok' | 'empty' | 'too-long' | 'invalid-json' | 'schema-mismatch' | 'timeout' | 'error' | 'aborted';

/**
 * One model call (one attempt): what was asked of which model, what it cost and how it ended. Later
 * steps (evolution decisions in the version history) reference a call by its `id`.
 */
export interface ModelCallRecord {
  /** Unique, time-ordered id of this call (UUID v7). */
  id: string;
  /** The port's id (`LanguageModelPort.id`). */
  model: string;
  /** The model that answered, when the provider reported it. */
  responseModelId?: string;
  /** What the call was for, e.g. `scheduler.intent` or `reader.fine`. */
  purpose?: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** When the call started (ISO 8601). */
  startedAt: string;
  /** Wall-clock milliseconds until the answer, timeout or error. */
  latencyMs: number;
  inputTokens?: number;
  outputTokens?: number;
  outcome: ModelCallOutcome;
  /** Why the call did not succeed (a short message), absent when `outcome` is `ok`. */
  error?: string;
  /** Characters of the answer text (before any cap). */
  textChars?: number;
}
