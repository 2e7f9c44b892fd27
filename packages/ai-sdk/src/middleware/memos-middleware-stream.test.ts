import type { LanguageModelV4StreamPart, LanguageModelV4StreamResult, LanguageModelV4Usage } from '@ai-sdk/provider';
import { createMemOS, type MemOS, type MemoryItem } from '@memos-js/core';
import { streamText, wrapLanguageModel } from 'ai';
import { convertArrayToReadableStream, MockLanguageModelV4 } from 'ai/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MEMORY_HEADER } from './format-memories.ts';
import { memosMiddleware } from './memos-middleware.ts';
import type { MemosWrittenEvent } from './memos-middleware-options.ts';

const usage: LanguageModelV4Usage = { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 3, text: 3, reasoning: 0 } };
const finish: LanguageModelV4StreamPart = { type: 'finish', usage, finishReason: { unified: 'stop', raw: 'stop' }, providerMetadata: { mock: { requestId: 'r1' } } };

function textParts(deltas: string[]): LanguageModelV4StreamPart[] {
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't1' },
    ...deltas.map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 't1', delta })),
    { type: 'text-end', id: 't1' },
  ];
}
/** A mock whose every doStream call returns a fresh stream of `parts`. */
function streamingModel(parts: LanguageModelV4StreamPart[]): MockLanguageModelV4 {
  return new MockLanguageModelV4({ doStream: async (): Promise<LanguageModelV4StreamResult> => ({ stream: convertArrayToReadableStream(parts) }) });
}
/** Who the calls are for, as the server knows it (a middleware built per authenticated request). */
const identity = { userId: 'priya', cubeId: 'chats', cubeIds: ['profile'] };
/** The call's details; its userId is ignored by the middleware (only `identity` says who is talking). */
const providerOptions = { memos: { userId: 'someone-else', sessionId: 's1', userName: 'Priya', assistantName: 'Tom' } };

let mos: MemOS;
let biscuit: string;
beforeEach(async () => {
  mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } });
  await mos.setup();
  await mos.createUser({ id: 'priya', name: 'Priya' });
  await mos.createCube({ userId: 'priya', id: 'chats', name: 'Chats' });
  await mos.createCube({ userId: 'priya', id: 'profile', name: 'Profile' });
  const { items } = await mos.add({ userId: 'priya', cubeId: 'profile', messages: [{ role: 'user', speaker: 'Priya', content: 'I adopted a beagle called Biscuit.', time: '2024-03-03T19:12:00Z' }] });
  biscuit = items[0]?.id ?? '';
});
afterEach(async () => {
  await mos.close();
});

async function chatItems(): Promise<MemoryItem[]> {
  return (await mos.getAll({ userId: 'priya', cubeIds: ['chats'] })).items;
}

describe('memosMiddleware with streamText', () => {
  it('injects memories, streams unchanged text, adds the injected ids on finish and writes the accumulated turn', async () => {
    const model = streamingModel([...textParts(['Your beagle ', 'is called ', 'Biscuit.']), finish]);
    const written: MemosWrittenEvent[] = [];
    const middleware = memosMiddleware({ mos, identity, onWritten: (event) => void written.push(event) });
    const result = streamText({ model: wrapLanguageModel({ model, middleware }), instructions: 'Be brief.', prompt: 'What is my beagle called?', providerOptions });
    const chunks: string[] = [];
    for await (const chunk of result.textStream) chunks.push(chunk);
    expect(chunks).toEqual(['Your beagle ', 'is called ', 'Biscuit.']);
    expect(await result.providerMetadata).toMatchObject({ mock: { requestId: 'r1' }, memos: { injected: [biscuit], retrieved: [biscuit] } });
    const prompt = model.doStreamCalls[0]?.prompt ?? [];
    expect(prompt.map((m) => m.role)).toEqual(['system', 'user', 'user']);
    expect(prompt[0]).toEqual({ role: 'system', content: 'Be brief.' });
    const block = prompt[1]?.role === 'user' && prompt[1].content[0]?.type === 'text' ? prompt[1].content[0].text : '';
    expect(block.startsWith(MEMORY_HEADER)).toBe(true);
    expect(block).toContain('- [2024-03-03] "Priya: I adopted a beagle called Biscuit."');
    expect(prompt[2]).toEqual({ role: 'user', content: [{ type: 'text', text: 'What is my beagle called?' }] });
    await middleware.flush();
    expect((await chatItems()).map((item) => item.text)).toEqual(['Priya: What is my beagle called?', 'Tom: Your beagle is called Biscuit.']);
    expect(written[0]?.assistantText).toBe('Your beagle is called Biscuit.');
    expect(written[0]?.items).toHaveLength(2);
  });

  it('gives the same retrieved block on a second streamed turn', async () => {
    const model = streamingModel([...textParts(['Biscuit.']), finish]);
    // Working memory (which a scheduler updates after each turn) is covered in memos-middleware-cache.test.ts.
    const middleware = memosMiddleware({ mos, identity, workingMemory: false });
    const wrapped = wrapLanguageModel({ model, middleware });
    for (const prompt of ['What is my beagle called?', 'And what was the beagle called again?']) {
      await streamText({ model: wrapped, prompt, providerOptions }).consumeStream();
      await middleware.flush();
    }
    const [first, second] = model.doStreamCalls.map((call) => JSON.stringify(call.prompt.at(-2)));
    expect(first).toContain('Biscuit');
    expect(second).toBe(first);
  });

  it('writes nothing when the stream carries an error part', async () => {
    const model = streamingModel([...textParts(['Half an ans']), { type: 'error', error: new Error('connection reset') }, finish]);
    const middleware = memosMiddleware({ mos, identity });
    const errors: unknown[] = [];
    await streamText({ model: wrapLanguageModel({ model, middleware }), prompt: 'Tell me a story', providerOptions, onError: ({ error }) => void errors.push(error) }).consumeStream();
    await middleware.flush();
    expect(errors).toHaveLength(1);
    expect(await chatItems()).toEqual([]);
  });

  it('writes nothing when the model stream fails', async () => {
    const model = new MockLanguageModelV4({
      doStream: async () => ({
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            for (const part of textParts(['Half an ans'])) controller.enqueue(part);
            controller.error(new Error('socket closed'));
          },
        }),
      }),
    });
    const middleware = memosMiddleware({ mos, identity });
    const errors: unknown[] = [];
    const result = streamText({ model: wrapLanguageModel({ model, middleware }), prompt: 'Tell me a story', providerOptions, onError: ({ error }) => void errors.push(error) });
    await result.consumeStream({ onError: (error) => void errors.push(error) });
    await middleware.flush();
    expect(errors.map((error) => (error as Error).message)).toContain('socket closed');
    expect(await chatItems()).toEqual([]);
  });

  it('writes nothing when doStream throws', async () => {
    const model = new MockLanguageModelV4({
      doStream: async () => {
        throw new Error('provider down');
      },
    });
    const middleware = memosMiddleware({ mos, identity });
    const errors: unknown[] = [];
    await streamText({ model: wrapLanguageModel({ model, middleware }), prompt: 'Hello there', providerOptions, maxRetries: 0, onError: ({ error }) => void errors.push(error) }).consumeStream();
    await middleware.flush();
    expect(errors).toHaveLength(1);
    expect(await chatItems()).toEqual([]);
  });

  it('passes a stream without a user through untouched', async () => {
    const parts = [...textParts(['hi']), finish];
    const model = streamingModel(parts);
    const middleware = memosMiddleware({ mos, identity: () => undefined });
    const result = streamText({ model: wrapLanguageModel({ model, middleware }), prompt: 'Hello there', providerOptions });
    expect(await result.text).toBe('hi');
    expect(await result.providerMetadata).toEqual({ mock: { requestId: 'r1' } });
    expect(model.doStreamCalls[0]?.prompt).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }]);
    await middleware.flush();
    expect(await chatItems()).toEqual([]);
  });
});
