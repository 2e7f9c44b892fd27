import { AIMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { FakeListChatModel, SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { createMemOS, EmbedderMismatchError, ValidationError } from '@memos-js/core';
import { describe, expect, it } from 'vitest';
import { embedderFromLangChain } from './embedder-from-langchain.ts';
import { languageModelPortFromLangChain } from './language-model-port-from-langchain.ts';

describe('embedderFromLangChain', () => {
  it('wraps LangChain Embeddings as a MemOS embedder that a MemOS runs on', async () => {
    const embedder = embedderFromLangChain({ embeddings: new SyntheticEmbeddings({ vectorSize: 64 }), dimension: 64 });
    expect(embedder).toMatchObject({ dimension: 64, fingerprint: 'langchain:SyntheticEmbeddings:default:64' });
    const [v] = await embedder.embed(['hello world']);
    expect(v).toHaveLength(64);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 6);
    expect(await embedder.embed([])).toEqual([]);

    const mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, embedder });
    await mos.setup();
    await mos.createUser({ id: 'alice', name: 'Alice' });
    await mos.createCube({ userId: 'alice', id: 'c', name: 'c' });
    await mos.add({ userId: 'alice', cubeId: 'c', text: 'Alice likes sushi' });
    const { hits } = await mos.search({ userId: 'alice', query: 'sushi', weights: { keyword: 0, graph: 0 } });
    expect(hits[0]?.signals.vector?.rank).toBe(1);
    await mos.close();

    // A cube remembers the fingerprint: another embedder is refused.
    const other = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, embedder: embedderFromLangChain({ embeddings: new SyntheticEmbeddings({ vectorSize: 64 }), dimension: 64, fingerprint: 'x' }) });
    await other.setup();
    await other.createUser({ id: 'alice', name: 'Alice' });
    const cube = await other.createCube({ userId: 'alice', id: 'c', name: 'c' });
    expect(cube.embedder.fingerprint).toBe('x');
    await other.close();
    expect(new EmbedderMismatchError('c', 'a', 'b')).toBeInstanceOf(Error);
  });

  it('reads the dimension from the model, and rejects a missing dimension or wrong-sized vectors', async () => {
    const embeddings = Object.assign(new SyntheticEmbeddings({ vectorSize: 8 }), { dimensions: 8, model: 'synthetic-8' });
    expect(embedderFromLangChain({ embeddings }).fingerprint).toBe('langchain:SyntheticEmbeddings:synthetic-8:8');
    expect(() => embedderFromLangChain({ embeddings: new SyntheticEmbeddings({ vectorSize: 8 }) })).toThrow(ValidationError);
    const wrong = embedderFromLangChain({ embeddings: new SyntheticEmbeddings({ vectorSize: 8 }), dimension: 16 });
    await expect(wrong.embed(['x'])).rejects.toMatchObject({ field: 'embeddings.embedDocuments[0]' });
    await expect(wrong.embedQuery!('x')).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('languageModelPortFromLangChain', () => {
  it('maps system and messages to a chat model call and returns text and usage', async () => {
    const model = fakeModel().respond(new AIMessage({ content: 'Paris', usage_metadata: { input_tokens: 12, output_tokens: 1, total_tokens: 13 } }));
    const port = languageModelPortFromLangChain({ model });
    expect(port.id).toBe('langchain:fake-model-builder');
    const response = await port.generate({ system: 'Be brief.', messages: [{ role: 'user', content: 'Capital of France?' }, { role: 'assistant', content: 'Let me think.' }, { role: 'user', content: 'Well?' }] });
    expect(response).toEqual({ text: 'Paris', usage: { inputTokens: 12, outputTokens: 1 } });
    expect(model.calls[0]?.messages.map((m) => [m.getType(), m.text])).toEqual([['system', 'Be brief.'], ['human', 'Capital of France?'], ['ai', 'Let me think.'], ['human', 'Well?']]);
  });

  it('answers JSON-schema requests natively (withStructuredOutput) or through the prompt', async () => {
    const schema = { type: 'object', properties: { facts: { type: 'array', items: { type: 'string' } } }, required: ['facts'] };
    const native = languageModelPortFromLangChain({ model: fakeModel().structuredResponse({ facts: ['a'] }) });
    expect((await native.generate({ messages: [{ role: 'user', content: 'extract' }], jsonSchema: schema })).text).toBe('{"facts":["a"]}');

    const model = new FakeListChatModel({ responses: ['```json\n{"facts":["b"]}\n```'] });
    const prompted = languageModelPortFromLangChain({ model, structuredOutput: 'prompt', id: 'fake' });
    const response = await prompted.generate({ system: 'Extract facts.', messages: [{ role: 'user', content: 'Bob is 30' }], jsonSchema: schema });
    expect(JSON.parse(response.text)).toEqual({ facts: ['b'] });
    await expect(prompted.generate({ messages: [] })).rejects.toBeInstanceOf(ValidationError);
  });
});
