import { AIMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { FakeListChatModel, FakeStreamingChatModel, SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { createMemOS, EmbedderMismatchError, ExtractionError, generateObject, ValidationError } from '@memos-js/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
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

describe('generateObject through languageModelPortFromLangChain', () => {
  const facts = z.object({ facts: z.array(z.string().min(1)).min(1) }).strict();
  const messages = [{ role: 'user' as const, content: 'Bob is 30 and lives in Porto.' }];

  it('prompt mode: re-asks after invalid JSON and a schema mismatch, with the problem quoted back', async () => {
    const model = new FakeListChatModel({ responses: ['I think Bob is 30.', '{"facts": []}', '```json\n{"facts": ["Bob is 30"]}\n```'] });
    const port = languageModelPortFromLangChain({ model, structuredOutput: 'prompt', id: 'fake-list' });
    const result = await generateObject({ model: port, schema: facts, system: 'Extract facts.', messages });
    expect(result.object).toEqual({ facts: ['Bob is 30'] });
    expect(result.calls.map((c) => [c.model, c.attempt, c.outcome])).toEqual([['fake-list', 1, 'invalid-json'], ['fake-list', 2, 'schema-mismatch'], ['fake-list', 3, 'ok']]);
  });

  it('native mode: a parsed structured answer, and the raw text when LangChain could not parse one', async () => {
    const native = languageModelPortFromLangChain({ model: fakeModel().structuredResponse({ facts: ['Bob lives in Porto'] }), id: 'fake-native' });
    expect((await generateObject({ model: native, schema: facts, messages })).object).toEqual({ facts: ['Bob lives in Porto'] });

    // FakeStreamingChatModel goes through BaseChatModel.withStructuredOutput (tool calling, includeRaw) and returns no tool
    // call, so LangChain's parsed value is null: the port hands on the raw text, which generateObject validates.
    // (This fake answers its first response every time.)
    const model = new FakeStreamingChatModel({ sleep: 0, responses: [new AIMessage('{"facts": ["Bob is 30"]}')] });
    const raw = await generateObject({ model: languageModelPortFromLangChain({ model }), schema: facts, messages });
    expect(raw.object).toEqual({ facts: ['Bob is 30'] });
    const prose = new FakeStreamingChatModel({ sleep: 0, responses: [new AIMessage('no JSON here')] });
    const error = await generateObject({ model: languageModelPortFromLangChain({ model: prose }), schema: facts, messages, maxRetries: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MEMOS_EXTRACTION', reason: 'invalid-json', texts: ['no JSON here', 'no JSON here'] });
  });

  it('a chat model that throws, or never answers validly, gives a typed ExtractionError', async () => {
    const thrown = new Error('provider down');
    const failing = languageModelPortFromLangChain({ model: fakeModel().alwaysThrow(thrown), structuredOutput: 'prompt' });
    const error = await generateObject({ model: failing, schema: facts, messages, maxRetries: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractionError);
    expect(error).toMatchObject({ reason: 'error', attempts: 2, cause: thrown, texts: [] });

    const stubborn = languageModelPortFromLangChain({ model: new FakeListChatModel({ responses: ['{"facts": "one"}'] }), structuredOutput: 'prompt' });
    const invalid = await generateObject({ model: stubborn, schema: facts, messages, maxRetries: 2 }).catch((e: unknown) => e) as ExtractionError;
    expect(invalid).toMatchObject({ reason: 'schema-mismatch', attempts: 3, texts: ['{"facts": "one"}', '{"facts": "one"}', '{"facts": "one"}'] });
  });
});
