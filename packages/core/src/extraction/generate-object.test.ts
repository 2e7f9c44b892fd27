import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ExtractionError } from '../errors/extraction-error.ts';
import { ModelCallError } from '../errors/model-call-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import type { LanguageModelPort, LanguageModelRequest, LanguageModelResponse, ModelCallRecord } from '../spec/language-model-port.ts';
import { generateObject, toJsonSchema } from './generate-object.ts';
import { parseModelJson, stripCodeFences } from './parse-model-json.ts';

const schema = z.object({ name: z.string().min(1), age: z.number().int(), tags: z.array(z.string()).default([]) }).strict();
const messages = [{ role: 'user' as const, content: 'Bob is 30.' }];

type Step = string | Error | (() => Promise<LanguageModelResponse>) | LanguageModelResponse;
/** A port that plays `steps` in order and records every request. */
function scripted(steps: Step[]): LanguageModelPort & { requests: LanguageModelRequest[] } {
  const requests: LanguageModelRequest[] = [];
  return {
    id: 'scripted', requests,
    async generate(request) {
      requests.push(request);
      const step = steps[requests.length - 1];
      if (step === undefined) throw new Error('no more steps');
      if (step instanceof Error) throw step;
      if (typeof step === 'function') return step();
      return typeof step === 'string' ? { text: step, usage: { inputTokens: 10, outputTokens: 5 } } : step;
    },
  };
}
const never = (): Promise<LanguageModelResponse> => new Promise(() => undefined);

describe('generateObject', () => {
  it('sends the JSON Schema, parses a fenced answer, applies defaults and records the call', async () => {
    const model = scripted([{ text: '```json\n{"name":"Bob","age":30}\n```', usage: { inputTokens: 12, outputTokens: 7 }, modelId: 'm-2025' }]);
    const seen: ModelCallRecord[] = [];
    const result = await generateObject({ model, schema, system: 'Extract.', messages, purpose: 'test', temperature: 0, onCall: (r) => seen.push(r) });
    expect(result.object).toEqual({ name: 'Bob', age: 30, tags: [] });
    expect(model.requests[0]).toMatchObject({ system: 'Extract.', temperature: 0, jsonSchema: toJsonSchema(schema), messages });
    expect(model.requests[0]?.jsonSchema).toMatchObject({ type: 'object', required: ['name', 'age', 'tags'], additionalProperties: false });
    expect(model.requests[0]?.jsonSchema).not.toHaveProperty('$schema');
    expect(result.calls).toHaveLength(1);
    expect(result.calls[0]).toMatchObject({ model: 'scripted', responseModelId: 'm-2025', purpose: 'test', attempt: 1, inputTokens: 12, outputTokens: 7, outcome: 'ok' });
    expect(result.calls[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.callId).toBe(result.calls[0]?.id);
    expect(result.calls[0]?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(seen).toEqual(result.calls);
  });

  it('re-asks with the validation error quoted back, and succeeds on a later attempt', async () => {
    const model = scripted(['{"name":"Bob","age":"thirty"}', 'Sure! Here it is: {"name":"Bob","age":30} Hope that helps.']);
    const result = await generateObject({ model, schema, messages });
    expect(result.object.age).toBe(30);
    expect(result.calls.map((c) => c.outcome)).toEqual(['schema-mismatch', 'ok']);
    const retry = model.requests[1]!.messages;
    expect(retry.slice(0, 1)).toEqual(messages);
    expect(retry[1]).toEqual({ role: 'assistant', content: '{"name":"Bob","age":"thirty"}' });
    expect(retry[2]?.content).toMatch(/did not match the schema: age: .*expected number/);
    expect(new Set(result.calls.map((c) => c.id)).size).toBe(2);
  });

  it('throws ExtractionError with every answer, the attempt count and the calls when the model keeps failing', async () => {
    const model = scripted(['not json', '', '{"name":"Bob"}']);
    const error = await generateObject({ model, schema, messages, purpose: 'facts' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractionError);
    const e = error as ExtractionError;
    expect(ExtractionError.isInstance(e)).toBe(true);
    expect(e).toMatchObject({ code: 'MEMOS_EXTRACTION', model: 'scripted', attempts: 3, reason: 'schema-mismatch', isRetryable: false });
    expect(e.texts).toEqual(['not json', '', '{"name":"Bob"}']);
    expect(e.lastText).toBe('{"name":"Bob"}');
    expect(e.calls.map((c) => c.outcome)).toEqual(['invalid-json', 'empty', 'schema-mismatch']);
    expect(e.message).toContain('for facts in 3 attempt(s)');
    expect(model.requests[1]?.messages[2]?.content).toMatch(/not valid JSON/);
    expect(model.requests[2]?.messages[2]?.content).toMatch(/was empty/);
  });

  it('rejects an oversized answer unparsed and caps the text it keeps', async () => {
    const huge = `{"name":"${'x'.repeat(50_000)}","age":1}`;
    const error = await generateObject({ model: scripted([huge]), schema, messages, maxRetries: 0, maxAnswerChars: 5_000, maxKeptChars: 100 }).catch((e: unknown) => e) as ExtractionError;
    expect(error).toMatchObject({ reason: 'too-long', attempts: 1 });
    expect(error.texts[0]).toHaveLength(101);
    expect(error.calls[0]?.textChars).toBe(huge.length);
  });

  it('times out a hanging call (even one that ignores the signal), aborts its signal and retries', async () => {
    let signal: AbortSignal | undefined;
    const model = scripted([never, '{"name":"Ann","age":4}']);
    const generate = model.generate.bind(model);
    model.generate = (request) => {
      signal ??= request.abortSignal;
      return generate(request);
    };
    const result = await generateObject({ model, schema, messages, timeoutMs: 50 });
    expect(result.calls.map((c) => c.outcome)).toEqual(['timeout', 'ok']);
    expect(signal?.aborted).toBe(true);
    expect(model.requests[1]?.messages).toEqual(messages);

    const error = await generateObject({ model: scripted([never, never]), schema, messages, timeoutMs: 20, maxRetries: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'timeout', attempts: 2, isRetryable: true, texts: [] });
  });

  it('wraps thrown errors: retries unknown and retryable ones, stops at a non-retryable MemosError', async () => {
    const flaky = scripted([new TypeError('socket hang up'), new ModelCallError('scripted', '429', { isRetryable: true }), '{"name":"A","age":1}']);
    expect((await generateObject({ model: flaky, schema, messages })).calls.map((c) => c.outcome)).toEqual(['error', 'error', 'ok']);

    const auth = new ModelCallError('scripted', '401 unauthorized');
    const model = scripted([auth, '{"name":"A","age":1}']);
    const error = await generateObject({ model, schema, messages }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MEMOS_EXTRACTION', reason: 'error', attempts: 1, cause: auth, isRetryable: false });
    expect(model.requests).toHaveLength(1);

    const broken: LanguageModelPort = { id: 'broken', generate: (() => { throw new Error('sync throw'); }) as LanguageModelPort['generate'] };
    await expect(generateObject({ model: broken, schema, messages, maxRetries: 0 })).rejects.toMatchObject({ reason: 'error', message: expect.stringContaining('sync throw') });
    const noText = scripted([{ text: undefined as unknown as string }]);
    await expect(generateObject({ model: noText, schema, messages, maxRetries: 0 })).rejects.toMatchObject({ reason: 'error' });
  });

  it('throws the abort reason when the caller aborts, without retrying', async () => {
    const controller = new AbortController();
    const model = scripted([never, '{"name":"A","age":1}']);
    setTimeout(() => controller.abort(new Error('user left')), 20);
    const calls: ModelCallRecord[] = [];
    await expect(generateObject({ model, schema, messages, abortSignal: controller.signal, onCall: (c) => calls.push(c) })).rejects.toThrow('user left');
    expect(model.requests).toHaveLength(1);
    expect(calls.map((c) => c.outcome)).toEqual(['aborted']);
    await expect(generateObject({ model, schema, messages, abortSignal: controller.signal })).rejects.toThrow('user left');
  });

  it('validates its options', async () => {
    const model = scripted([]);
    await expect(generateObject({ model, schema, messages: [] })).rejects.toBeInstanceOf(ValidationError);
    await expect(generateObject({ model, schema, messages, maxRetries: -1 })).rejects.toMatchObject({ field: 'generateObject.maxRetries' });
    await expect(generateObject({ model, schema, messages, timeoutMs: 0 })).rejects.toMatchObject({ field: 'generateObject.timeoutMs' });
    await expect(generateObject({ model, schema: {} as z.ZodType, messages })).rejects.toMatchObject({ field: 'generateObject.schema' });
  });
});

describe('parseModelJson', () => {
  it('strips fences, tolerates prose around one object, and reports why text is not JSON', () => {
    expect(stripCodeFences('```json\n{"a":1}\n```')).toBe('{"a":1}');
    expect(stripCodeFences('```\n[1]\n```  ')).toBe('[1]');
    expect(parseModelJson(' {"a":1} ')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseModelJson('Answer: [1,2].')).toEqual({ ok: true, value: [1, 2] });
    expect(parseModelJson('')).toMatchObject({ ok: false, reason: 'the answer is empty' });
    expect(parseModelJson('{"a":')).toMatchObject({ ok: false });
    expect(parseModelJson('null')).toEqual({ ok: true, value: null });
  });
});
