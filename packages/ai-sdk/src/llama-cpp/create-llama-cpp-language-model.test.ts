import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { createMemOS } from '@memos-js/core';
import { generateText, jsonSchema, Output, streamText, wrapLanguageModel } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FETCH_TIMEOUT_MS, testModelPath } from '../../../../test/models.ts';
import { memosMiddleware } from '../middleware/memos-middleware.ts';
import { createLlamaCppLanguageModel, type LlamaCppLanguageModel } from './create-llama-cpp-language-model.ts';

// SmolLM2-135M-Instruct (Q4_1), fetched by the project on a cold cache (test/models.ts). One thread and a
// small context keep it fast on a busy 2-core machine.
const MODEL_ID = 'SmolLM2-135M-Instruct.Q4_1';
let modelPath = '';
let model: LlamaCppLanguageModel;
beforeAll(async () => {
  modelPath = await testModelPath('smollm2');
  model = createLlamaCppLanguageModel({ modelPath, gpu: false, threads: 1, contextSize: 512, maxTokens: 32 });
  await model.setup();
}, MODEL_FETCH_TIMEOUT_MS);
afterAll(async () => {
  await model?.close();
});

describe('createLlamaCppLanguageModel on SmolLM2-135M-Instruct', () => {
  it('generates the same text twice at temperature 0, reusing the evaluated prompt', async () => {
    const prompt = 'Tell me a story about a little dog.';
    const first = await generateText({ model, prompt });
    const second = await generateText({ model, prompt });
    expect(first.text.length).toBeGreaterThan(10);
    expect(second.text).toBe(first.text);
    expect(first.text).toBe(first.text.trimStart());
    expect(['stop', 'length']).toContain(first.finishReason);
    expect(first.usage.inputTokens).toBeGreaterThan(10);
    expect(first.usage.outputTokens).toBeGreaterThan(0);
    expect(first.usage.outputTokens).toBeLessThanOrEqual(32);
    // The second call found the whole prompt already evaluated in the context sequence.
    expect(second.usage.inputTokenDetails.cacheReadTokens).toBe(second.usage.inputTokens);
    expect(second.usage.inputTokenDetails.noCacheTokens).toBe(0);
    expect(first.response.modelId).toBe(MODEL_ID);
  });

  it('answers a simple question sensibly (a real instruct model, greedy)', async () => {
    const { text } = await generateText({ model, prompt: 'What is the capital of France?', maxOutputTokens: 16 });
    expect(text).toMatch(/Paris/);
  });

  it('streams the same text it generates, chunk by chunk, with V4 stream parts', async () => {
    const prompt = 'Once upon a time, there was a cat.';
    const generated = await generateText({ model, prompt, maxOutputTokens: 24 });
    const streamed = streamText({ model, prompt, maxOutputTokens: 24 });
    const parts: string[] = [];
    const deltas: string[] = [];
    for await (const part of streamed.fullStream) {
      parts.push(part.type);
      if (part.type === 'text-delta') deltas.push(part.text);
    }
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(generated.text);
    expect(await streamed.text).toBe(generated.text);
    expect(await streamed.finishReason).toBe(generated.finishReason);
    expect(parts.filter((type) => type !== 'text-delta')).toEqual(['start', 'start-step', 'text-start', 'text-end', 'finish-step', 'finish']);
  });

  it('emits stream-start, text-start, text-deltas, text-end and finish from doStream', async () => {
    const { stream } = await model.doStream({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }], maxOutputTokens: 8 });
    const parts: LanguageModelV4StreamPart[] = [];
    for await (const part of stream) parts.push(part);
    const types = parts.map((part) => part.type);
    expect(types[0]).toBe('stream-start');
    expect(types.slice(2, 4)).toEqual(['text-start', 'text-delta']);
    expect(types.slice(-2)).toEqual(['text-end', 'finish']);
    const finish = parts.at(-1);
    expect(finish).toMatchObject({ type: 'finish', finishReason: { unified: 'length', raw: 'maxTokens' }, usage: { outputTokens: { total: 8 } } });
  });

  it('works under the memory middleware with generateText and writes the turn', async () => {
    const mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } });
    await mos.setup();
    await mos.createUser({ id: 'lily', name: 'Lily' });
    await mos.createCube({ userId: 'lily', id: 'stories', name: 'Stories' });
    await mos.add({ userId: 'lily', cubeId: 'stories', text: 'Lily has a red ball.' });
    const middleware = memosMiddleware({ mos, identity: { userId: 'lily', cubeId: 'stories' } });
    const providerOptions = { memos: { sessionId: 's1' } };
    const wrapped = wrapLanguageModel({ model, middleware });
    const first = await generateText({ model: wrapped, prompt: 'Where is the red ball?', providerOptions, maxOutputTokens: 16 });
    expect(first.text.length).toBeGreaterThan(0);
    expect((first.providerMetadata?.['memos'] as { injected: string[] }).injected).toHaveLength(1);
    await middleware.flush();
    const { items } = await mos.getAll({ userId: 'lily', filter: { sessionId: 's1' } });
    expect(items.map((item) => item.text)).toEqual(['Where is the red ball?', first.text]);
    await mos.close();
  });

  it('constrains a JSON response format with a grammar', async () => {
    const schema = jsonSchema<{ ok: boolean }>({ type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false });
    const result = await generateText({ model, prompt: 'Is the dog happy?', output: Output.object({ schema }), maxOutputTokens: 16 });
    expect(typeof result.output.ok).toBe('boolean');
  });

  it('reports tools as unsupported', async () => {
    const { warnings } = await model.doGenerate({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], maxOutputTokens: 2,
      tools: [{ type: 'function', name: 'noop', inputSchema: { type: 'object' } }],
    });
    expect(warnings).toEqual([{ type: 'unsupported', feature: 'tools', details: 'llama-cpp model: tools are ignored' }]);
  });
});

describe('createLlamaCppLanguageModel lifecycle', () => {
  it('fails the first call with a ValidationError when the model file is missing', async () => {
    const missing = createLlamaCppLanguageModel({ modelPath: resolve(tmpdir(), 'memos-no-such-model.gguf'), gpu: false });
    await expect(generateText({ model: missing, prompt: 'Hi', maxRetries: 0 })).rejects.toMatchObject({ code: 'MEMOS_VALIDATION', field: 'createLlamaCppLanguageModel.modelPath' });
  });

  it('throws ClosedError after close()', async () => {
    const local = createLlamaCppLanguageModel({ modelPath, gpu: false, threads: 1, contextSize: 256, maxTokens: 4 });
    expect((await generateText({ model: local, prompt: 'Hi' })).text.length).toBeGreaterThan(0);
    await local.close();
    await expect(generateText({ model: local, prompt: 'Hi', maxRetries: 0 })).rejects.toMatchObject({ code: 'MEMOS_CLOSED' });
  });

  it('validates its options', () => {
    expect(() => createLlamaCppLanguageModel({ modelPath: '' })).toThrow(/modelPath/);
    expect(() => createLlamaCppLanguageModel({ modelPath, contextSize: 0 })).toThrow(/contextSize/);
  });
});
