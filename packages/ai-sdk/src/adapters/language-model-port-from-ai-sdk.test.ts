import type { LanguageModelV4GenerateResult, LanguageModelV4Usage } from '@ai-sdk/provider';
import { ExtractionError, generateObject, MemosError } from '@memos-js/core';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { languageModelPortFromAiSdk } from './language-model-port-from-ai-sdk.ts';

const usage: LanguageModelV4Usage = { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 4, text: 4, reasoning: 0 } };
function answer(text: string): LanguageModelV4GenerateResult {
  return { content: [{ type: 'text', text }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
}

describe('languageModelPortFromAiSdk', () => {
  it('generates text from a system prompt and messages', async () => {
    const model = new MockLanguageModelV4({ provider: 'mock', modelId: 'm1', doGenerate: answer('Biscuit.') });
    const port = languageModelPortFromAiSdk({ model });
    expect(port.id).toBe('mock:m1');
    const response = await port.generate({
      system: 'Answer briefly.',
      messages: [{ role: 'user', content: 'Dog name?' }, { role: 'assistant', content: 'Which dog?' }, { role: 'user', content: 'The beagle.' }],
      maxOutputTokens: 20,
      temperature: 0,
    });
    expect(response).toEqual({ text: 'Biscuit.', usage: { inputTokens: 12, outputTokens: 4 }, modelId: 'm1' });
    const call = model.doGenerateCalls[0];
    expect(call?.prompt).toEqual([
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: [{ type: 'text', text: 'Dog name?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Which dog?' }] },
      { role: 'user', content: [{ type: 'text', text: 'The beagle.' }] },
    ]);
    expect(call).toMatchObject({ maxOutputTokens: 20, temperature: 0 });
    expect(call?.responseFormat ?? { type: 'text' }).toEqual({ type: 'text' });
  });

  it('asks for JSON with the schema and returns validated JSON text', async () => {
    const schema = { type: 'object', properties: { facts: { type: 'array', items: { type: 'string' } } }, required: ['facts'], additionalProperties: false };
    const model = new MockLanguageModelV4({ doGenerate: answer('  {"facts": ["Priya has a beagle"]} ') });
    const response = await languageModelPortFromAiSdk({ model }).generate({ messages: [{ role: 'user', content: 'Extract facts.' }], jsonSchema: schema });
    expect(JSON.parse(response.text)).toEqual({ facts: ['Priya has a beagle'] });
    expect(model.doGenerateCalls[0]?.responseFormat).toMatchObject({ type: 'json', schema });
  });

  it('returns an unparsable JSON answer as raw text (with usage) for the caller to validate', async () => {
    const schema = { type: 'object', properties: { facts: { type: 'array', items: { type: 'string' } } }, required: ['facts'] };
    const model = new MockLanguageModelV4({ modelId: 'm2', doGenerate: answer('not json at all') });
    const response = await languageModelPortFromAiSdk({ model, id: 'reader-llm' }).generate({ messages: [{ role: 'user', content: 'x' }], jsonSchema: schema });
    expect(response).toEqual({ text: 'not json at all', usage: { inputTokens: 12, outputTokens: 4 }, modelId: 'm2' });
  });

  it('turns a failed provider call into a MemosError', async () => {
    const model = new MockLanguageModelV4({ doGenerate: async () => { throw new TypeError('fetch failed'); } });
    const error = await languageModelPortFromAiSdk({ model, id: 'reader-llm', maxRetries: 0 }).generate({ messages: [{ role: 'user', content: 'x' }], jsonSchema: { type: 'object' } }).catch((e: unknown) => e);
    expect(MemosError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'MEMOS_MODEL_CALL', message: expect.stringContaining('Generating with reader-llm failed') });
  });
});

describe('generateObject through languageModelPortFromAiSdk', () => {
  const facts = z.object({ facts: z.array(z.string().min(1)).max(3) }).strict();
  const messages = [{ role: 'user' as const, content: 'Priya has a beagle called Biscuit.' }];

  it('passes the zod schema as the JSON response format and re-asks after invalid answers', async () => {
    const model = new MockLanguageModelV4({ provider: 'mock', modelId: 'm1', doGenerate: [answer('{"facts": "Priya has a beagle"}'), answer('oops {'), answer('```json\n{"facts": ["Priya has a beagle"]}\n```')] });
    const result = await generateObject({ model: languageModelPortFromAiSdk({ model }), schema: facts, messages, purpose: 'reader.fine' });
    expect(result.object).toEqual({ facts: ['Priya has a beagle'] });
    expect(result.calls.map((c) => [c.outcome, c.model, c.responseModelId, c.inputTokens, c.outputTokens])).toEqual([
      ['schema-mismatch', 'mock:m1', 'm1', 12, 4], ['invalid-json', 'mock:m1', 'm1', 12, 4], ['ok', 'mock:m1', 'm1', 12, 4],
    ]);
    const calls = model.doGenerateCalls;
    expect(calls[0]?.responseFormat).toMatchObject({ type: 'json', schema: { type: 'object', required: ['facts'], additionalProperties: false } });
    expect(calls[1]?.prompt.at(-1)).toMatchObject({ role: 'user', content: [{ type: 'text', text: expect.stringMatching(/did not match the schema: facts:/) }] });
    expect(calls[2]?.prompt.at(-1)).toMatchObject({ role: 'user', content: [{ type: 'text', text: expect.stringMatching(/not valid JSON/) }] });
  });

  it('gives a typed ExtractionError (raw text, attempts) when the model keeps failing or errors', async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('{"facts": ["a", "b", "c", "d"]}') });
    const error = await generateObject({ model: languageModelPortFromAiSdk({ model }), schema: facts, messages, maxRetries: 1 }).catch((e: unknown) => e) as ExtractionError;
    expect(ExtractionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ attempts: 2, reason: 'schema-mismatch', lastText: '{"facts":["a","b","c","d"]}' });

    const failing = new MockLanguageModelV4({ doGenerate: async () => { throw new TypeError('fetch failed'); } });
    const failed = await generateObject({ model: languageModelPortFromAiSdk({ model: failing, maxRetries: 0 }), schema: facts, messages, maxRetries: 0 }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'MEMOS_EXTRACTION', reason: 'error', cause: { code: 'MEMOS_MODEL_CALL' } });
  });
});
