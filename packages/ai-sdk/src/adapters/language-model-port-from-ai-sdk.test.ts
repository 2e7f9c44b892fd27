import type { LanguageModelV4GenerateResult, LanguageModelV4Usage } from '@ai-sdk/provider';
import { MemosError } from '@memos-js/core';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
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
    expect(response).toEqual({ text: 'Biscuit.', usage: { inputTokens: 12, outputTokens: 4 } });
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

  it('turns an answer that does not match the schema into a MemosError', async () => {
    const schema = { type: 'object', properties: { facts: { type: 'array', items: { type: 'string' } } }, required: ['facts'] };
    const model = new MockLanguageModelV4({ doGenerate: answer('not json at all') });
    const error = await languageModelPortFromAiSdk({ model, id: 'reader-llm' }).generate({ messages: [{ role: 'user', content: 'x' }], jsonSchema: schema }).catch((e: unknown) => e);
    expect(MemosError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'MEMOS_MODEL_CALL', message: expect.stringContaining('Generating with reader-llm failed') });
  });
});
