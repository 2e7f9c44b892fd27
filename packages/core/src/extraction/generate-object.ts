import { z } from 'zod';
import { ExtractionError } from '../errors/extraction-error.ts';
import { MemosError } from '../errors/memos-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import { uuidV7 } from '../ids/uuid-v7.ts';
import type { LanguageModelPort, LanguageModelRequest, LanguageModelResponse, ModelCallOutcome, ModelCallRecord } from '../spec/language-model-port.ts';
import type { Logger } from '../spec/logger.ts';
import { callModelWithTimeout } from './call-model-with-timeout.ts';
import { parseModelJson } from './parse-model-json.ts';

/** Default retries after the first attempt. */
export const DEFAULT_OBJECT_RETRIES = 2;
/** Default per-attempt timeout in milliseconds. */
export const DEFAULT_OBJECT_TIMEOUT_MS = 60_000;
/** Default longest answer (characters) that is parsed at all. */
export const DEFAULT_MAX_ANSWER_CHARS = 100_000;
/** Default characters of each answer kept in an `ExtractionError` and quoted back on a retry. */
export const DEFAULT_MAX_KEPT_CHARS = 2_000;

/** Options of {@link generateObject}. */
export interface GenerateObjectOptions<S extends z.ZodType> {
  /** The model to ask. */
  model: LanguageModelPort;
  /** The answer must parse as JSON and validate against this zod schema (its output type is returned). */
  schema: S;
  system?: string;
  /** The conversation; must not be empty. */
  messages: LanguageModelRequest['messages'];
  /** Sent to the model instead of `z.toJSONSchema(schema)` (e.g. a simpler schema a grammar converter accepts). */
  jsonSchema?: Record<string, unknown>;
  /** What the call is for (`scheduler.intent`, `reader.fine`, ...), copied to every {@link ModelCallRecord}. */
  purpose?: string;
  /** Re-asks after an invalid answer, a timeout or a retryable error (default 2, so at most 3 calls). */
  maxRetries?: number;
  /** Milliseconds per attempt before it is aborted and counts as a timeout (default 60,000). */
  timeoutMs?: number;
  /** Aborts the whole call; the signal's reason is thrown as it is (not an `ExtractionError`). */
  abortSignal?: AbortSignal;
  maxOutputTokens?: number;
  temperature?: number;
  /** Answers longer than this many characters are rejected unparsed as `too-long` (default 100,000). */
  maxAnswerChars?: number;
  /** Characters of each answer kept in the error and quoted back on a retry (default 2,000). */
  maxKeptChars?: number;
  /** Called after every model call (success or not), e.g. to persist it for the version history. */
  onCall?: (record: ModelCallRecord) => void;
  /** Receives one debug line per call and a warning per invalid answer. */
  logger?: Logger;
}

/** The result of {@link generateObject}. */
export interface GenerateObjectResult<T> {
  /** The validated object (zod output: defaults applied, transforms run). */
  object: T;
  /** Every call made, oldest first; the last one succeeded. */
  calls: ModelCallRecord[];
  /** The id of the successful call (the last of `calls`). */
  callId: string;
  /** The JSON text the object was parsed from. */
  text: string;
}

type Attempt =
  | { ok: true; value: unknown; text: string }
  | { ok: false; outcome: Exclude<ModelCallOutcome, 'ok'>; message: string; text?: string; cause?: unknown; retry: boolean; feedback?: string };

/**
 * Asks a model for a JSON object that validates against a zod schema. The schema is sent as JSON Schema
 * (`request.jsonSchema`, for the port's structured output); the answer is stripped of code fences,
 * parsed and validated. An empty, oversized, unparsable or non-matching answer is re-asked with the
 * problem quoted back, a timeout or a retryable error is retried as it was, up to `maxRetries` times;
 * then an {@link ExtractionError} carries the answers (capped), the attempt count and every call record.
 * Every call is recorded (id, model, tokens, latency, outcome) and passed to `onCall`.
 *
 * @throws ValidationError for bad options; ExtractionError when no valid answer came; the abort reason when `abortSignal` fires.
 */
export async function generateObject<S extends z.ZodType>(options: GenerateObjectOptions<S>): Promise<GenerateObjectResult<z.output<S>>> {
  const { model, schema, purpose, logger, onCall } = options;
  const maxRetries = nonNegativeInt(options.maxRetries, DEFAULT_OBJECT_RETRIES, 'maxRetries', 10);
  const timeoutMs = nonNegativeInt(options.timeoutMs, DEFAULT_OBJECT_TIMEOUT_MS, 'timeoutMs', 3_600_000, 1);
  const maxAnswerChars = nonNegativeInt(options.maxAnswerChars, DEFAULT_MAX_ANSWER_CHARS, 'maxAnswerChars', 10_000_000);
  const maxKeptChars = nonNegativeInt(options.maxKeptChars, DEFAULT_MAX_KEPT_CHARS, 'maxKeptChars', 1_000_000);
  if (typeof model?.generate !== 'function') throw new ValidationError('generateObject.model', 'must be a LanguageModelPort');
  if (!(schema instanceof z.ZodType)) throw new ValidationError('generateObject.schema', 'must be a zod schema');
  if (!Array.isArray(options.messages) || options.messages.length === 0) throw new ValidationError('generateObject.messages', 'must not be empty');
  const jsonSchema = options.jsonSchema ?? toJsonSchema(schema);
  const base: Omit<LanguageModelRequest, 'abortSignal' | 'messages'> = {
    ...(options.system !== undefined ? { system: options.system } : {}),
    ...(options.maxOutputTokens !== undefined ? { maxOutputTokens: options.maxOutputTokens } : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    jsonSchema,
  };
  const calls: ModelCallRecord[] = [];
  const texts: string[] = [];
  let messages = options.messages;
  let last: Extract<Attempt, { ok: false }> | undefined;
  for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
    const startedAt = new Date();
    const started = performance.now();
    const call = await callModelWithTimeout(model, { ...base, messages }, timeoutMs, options.abortSignal);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const response = call.kind === 'ok' ? call.response : undefined;
    const aborted = call.kind === 'aborted' || (call.kind === 'error' && options.abortSignal?.aborted === true);
    const result: Attempt = aborted
      ? { ok: false, outcome: 'aborted', message: 'aborted by the caller', retry: false }
      : call.kind === 'timeout'
        ? { ok: false, outcome: 'timeout', message: `no answer within ${timeoutMs} ms`, retry: true }
        : call.kind === 'error'
          ? { ok: false, outcome: 'error', message: errorMessage(call.error), cause: call.error, retry: !MemosError.isInstance(call.error) || call.error.isRetryable }
          : judge(call.response, schema, maxAnswerChars);
    const record: ModelCallRecord = {
      id: uuidV7(startedAt.getTime()),
      model: model.id,
      ...(typeof response?.modelId === 'string' ? { responseModelId: response.modelId } : {}),
      ...(purpose !== undefined ? { purpose } : {}),
      attempt,
      startedAt: startedAt.toISOString(),
      latencyMs,
      ...tokens(response),
      outcome: result.ok ? 'ok' : result.outcome,
      ...(result.ok ? {} : { error: result.message.slice(0, 500) }),
      ...(typeof response?.text === 'string' ? { textChars: response.text.length } : {}),
    };
    calls.push(record);
    logger?.debug('model call', { ...record });
    onCall?.(record);
    if (result.ok) return { object: result.value as z.output<S>, calls, callId: record.id, text: result.text };
    if (result.outcome === 'aborted') throw (call.kind === 'aborted' ? call.reason : options.abortSignal?.reason) ?? new DOMException('Aborted', 'AbortError');
    if (result.text !== undefined) texts.push(cap(result.text, maxKeptChars));
    logger?.warn('model answer unusable', { model: model.id, purpose, attempt, outcome: result.outcome, error: record.error });
    last = result;
    if (!result.retry) break;
    if (result.feedback !== undefined && result.text !== undefined) {
      messages = [...options.messages, { role: 'assistant', content: cap(result.text, maxKeptChars) }, { role: 'user', content: result.feedback }];
    }
  }
  const final = last!;
  const what = purpose !== undefined ? ` for ${purpose}` : '';
  throw new ExtractionError(`${model.id} gave no valid answer${what} in ${calls.length} attempt(s); last: ${final.outcome}: ${final.message.slice(0, 300)}`, {
    model: model.id, attempts: calls.length, reason: final.outcome, texts, calls,
    isRetryable: final.outcome === 'timeout' || (MemosError.isInstance(final.cause) ? final.cause.isRetryable : final.outcome === 'error'),
    ...(final.cause !== undefined ? { cause: final.cause } : {}),
  });
}

/** The JSON Schema sent for a zod schema: `z.toJSONSchema` (output shape, unrepresentable types as any) without `$schema`. */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function judge(response: LanguageModelResponse, schema: z.ZodType, maxAnswerChars: number): Attempt {
  const text: unknown = response?.text;
  if (typeof text !== 'string') return { ok: false, outcome: 'error', message: 'the port returned no text', retry: true };
  const again = 'Answer again with only the JSON value, matching the JSON Schema you were given.';
  if (text.trim() === '') return { ok: false, outcome: 'empty', message: 'the answer is empty', text, retry: true, feedback: `Your answer was empty. ${again}` };
  if (text.length > maxAnswerChars) {
    const message = `the answer has ${text.length} characters (at most ${maxAnswerChars})`;
    return { ok: false, outcome: 'too-long', message, text, retry: true, feedback: `Your answer was far too long: ${message}. ${again} Keep it short.` };
  }
  const parsed = parseModelJson(text);
  if (!parsed.ok) return { ok: false, outcome: 'invalid-json', message: `not JSON: ${parsed.reason}`, text, retry: true, feedback: `Your answer was not valid JSON (${parsed.reason}). ${again}` };
  const validated = schema.safeParse(parsed.value);
  if (!validated.success) {
    const issues = validated.error.issues.slice(0, 5).map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`).join('; ');
    return { ok: false, outcome: 'schema-mismatch', message: `does not match the schema: ${issues}`, text, retry: true, feedback: `Your answer did not match the schema: ${issues}. ${again}` };
  }
  return { ok: true, value: validated.data, text };
}

function tokens(response: LanguageModelResponse | undefined): Pick<ModelCallRecord, 'inputTokens' | 'outputTokens'> {
  const usage = response?.usage;
  return {
    ...(typeof usage?.inputTokens === 'number' ? { inputTokens: usage.inputTokens } : {}),
    ...(typeof usage?.outputTokens === 'number' ? { outputTokens: usage.outputTokens } : {}),
  };
}

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function nonNegativeInt(value: number | undefined, fallback: number, name: string, max: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw new ValidationError(`generateObject.${name}`, `must be an integer in ${min}..${max}, got ${String(value)}`);
  return value;
}
