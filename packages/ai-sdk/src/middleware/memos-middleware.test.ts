import type { JSONValue, LanguageModelV4GenerateResult, LanguageModelV4Usage } from '@ai-sdk/provider';
import { createMemOS, type MemOS, type MemoryItem } from '@memos-js/core';
import { generateText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatMemories } from './format-memories.ts';
import { getSessionMemories, type SessionMemoriesRequest } from './get-session-memories.ts';
import { memosMiddleware } from './memos-middleware.ts';
import type { MemosWrittenEvent } from './memos-middleware-options.ts';
import { approximateTokens } from './select-within-budget.ts';

const usage: LanguageModelV4Usage = { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 3, text: 3, reasoning: 0 } };
function answer(text: string): LanguageModelV4GenerateResult {
  return { content: [{ type: 'text', text }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
}
/** providerOptions for Priya's session s1, writing to `chats`. */
const memos = (extra: Record<string, JSONValue> = {}) => ({ memos: { userId: 'priya', cubeId: 'chats', sessionId: 's1', userName: 'Priya', assistantName: 'Tom', ...extra } });

let mos: MemOS;
/** Ids of the two profile memories. */
let biscuit: string;
let peanuts: string;
beforeEach(async () => {
  let id = 0;
  let tick = Date.parse('2025-01-01T00:00:00Z');
  mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, newId: () => `m${String(++id).padStart(4, '0')}`, now: () => new Date((tick += 1000)) });
  await mos.setup();
  await mos.createUser({ id: 'priya', name: 'Priya' });
  await mos.createCube({ userId: 'priya', id: 'chats', name: 'Chats' });
  await mos.createCube({ userId: 'priya', id: 'profile', name: 'Profile' });
  const { items } = await mos.add({
    userId: 'priya', cubeId: 'profile', sessionId: 'old',
    messages: [
      { role: 'user', speaker: 'Priya', content: 'I adopted a beagle called Biscuit.', time: '2024-03-03T19:12:00Z' },
      { role: 'user', speaker: 'Priya', content: 'I am allergic to peanuts.', time: '2024-03-05T08:00:00Z' },
    ],
  });
  [biscuit, peanuts] = items.map((item) => item.id) as [string, string];
});
afterEach(async () => {
  await mos.close();
});

async function sessionItems(cubeId = 'chats'): Promise<MemoryItem[]> {
  return (await mos.getAll({ userId: 'priya', cubeIds: [cubeId] })).items;
}

describe('memosMiddleware with generateText', () => {
  it('injects the retrieved memories as a quoted block right before the latest user message', async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('Biscuit.') });
    const middleware = memosMiddleware({ mos, trustClientIdentity: true, write: false });
    const result = await generateText({
      model: wrapLanguageModel({ model, middleware }),
      instructions: 'You are a helpful assistant.',
      prompt: 'What is my beagle called?',
      providerOptions: { memos: { userId: 'priya', cubeIds: ['profile'] } },
    });
    const profile = await sessionItems('profile');
    const block = formatMemories([biscuit, peanuts].map((id) => ({ item: profile.find((item) => item.id === id) as MemoryItem })), { kind: 'retrieved' });
    const prompt = model.doGenerateCalls[0]?.prompt ?? [];
    expect(prompt.slice(0, 2)).toEqual([
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: [{ type: 'text', text: block }] },
    ]);
    expect(prompt[2]).toMatchObject({ role: 'user', content: [{ type: 'text', text: 'What is my beagle called?' }] });
    expect(prompt).toHaveLength(3);
    expect(block.split('\n').slice(2, 4)).toEqual(['- [2024-03-03] "Priya: I adopted a beagle called Biscuit."', '- [2024-03-05] "Priya: I am allergic to peanuts."']);
    expect(result.text).toBe('Biscuit.');
    expect(result.providerMetadata?.['memos']).toMatchObject({ injected: [biscuit, peanuts], retrieved: [biscuit, peanuts], workingMemory: [] });
  });

  it("with placement.retrieved 'after-system' puts the block first when the prompt has no system message (the old layout)", async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('ok') });
    await generateText({
      model: wrapLanguageModel({ model, middleware: memosMiddleware({ mos, trustClientIdentity: true, write: false, minScore: 0, placement: { retrieved: 'after-system' } }) }),
      messages: [{ role: 'user', content: 'peanuts?' }, { role: 'assistant', content: 'Yes?' }, { role: 'user', content: 'Am I allergic to peanuts?' }],
      providerOptions: { memos: { userId: 'priya', cubeIds: ['profile'] } },
    });
    const prompt = model.doGenerateCalls[0]?.prompt ?? [];
    expect(prompt.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(String(prompt[0]?.content).split('\n').slice(2, 4)).toEqual(['- [2024-03-05] "Priya: I am allergic to peanuts."', '- [2024-03-03] "Priya: I adopted a beagle called Biscuit."']);
  });

  it('gives a byte-identical memory prefix on two turns when memory is unchanged', async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('Biscuit.') });
    // Turns are written to `chats` while memories come from `profile`: the searched memory does not change.
    // (Working memory, which a scheduler updates after each turn, is covered in memos-middleware-cache.test.ts.)
    const middleware = memosMiddleware({ mos, trustClientIdentity: true, workingMemory: false });
    const wrapped = wrapLanguageModel({ model, middleware });
    const providerOptions = { memos: { userId: 'priya', cubeId: 'chats', cubeIds: ['profile'], sessionId: 's1' } };
    await generateText({ model: wrapped, instructions: 'Be brief.', prompt: 'What is my beagle called?', providerOptions });
    await middleware.flush();
    await generateText({ model: wrapped, instructions: 'Be brief.', prompt: 'Tell me the name of my beagle again.', providerOptions });
    await middleware.flush();
    const [first, second] = model.doGenerateCalls.map((call) => call.prompt.slice(0, 2));
    expect(first).toHaveLength(2);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(await sessionItems()).toHaveLength(4);
  });

  it('writes the turn back in the background, without delaying the response', async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('Your beagle is called Biscuit.') });
    const written: MemosWrittenEvent[] = [];
    const middleware = memosMiddleware({ mos, trustClientIdentity: true, now: () => new Date('2025-02-01T10:00:00Z'), onWritten: (event) => void written.push(event) });
    const realAdd = mos.add.bind(mos);
    const gate = Promise.withResolvers<void>();
    mos.add = async (input) => {
      await gate.promise;
      return realAdd(input);
    };
    const result = await generateText({
      model: wrapLanguageModel({ model, middleware }), prompt: 'What is my beagle called?', providerOptions: memos({ cubeIds: ['profile'] }),
    });
    expect(result.text).toBe('Your beagle is called Biscuit.');
    expect(middleware.pendingWrites()).toBe(1);
    expect(await sessionItems()).toHaveLength(0);
    gate.resolve();
    await middleware.flush();
    expect(middleware.pendingWrites()).toBe(0);
    const items = await sessionItems();
    expect(items.map((item) => item.text)).toEqual(['Priya: What is my beagle called?', 'Tom: Your beagle is called Biscuit.']);
    expect(items.map((item) => item.sources[0])).toEqual([
      { role: 'user', speaker: 'Priya', chatTime: '2025-02-01T10:00:00.000Z', sessionId: 's1' },
      { role: 'assistant', speaker: 'Tom', chatTime: '2025-02-01T10:00:00.000Z', sessionId: 's1' },
    ]);
    expect(written).toHaveLength(1);
    expect(written[0]?.items.map((item) => item.id)).toEqual(items.map((item) => item.id));
    expect(written[0]?.injected).toEqual([biscuit, peanuts]);
    expect(written[0]?.context).toMatchObject({ userId: 'priya', cubeId: 'chats', sessionId: 's1' });
  });

  it('writes nothing when the model call throws', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: async () => {
        throw new Error('provider down');
      },
    });
    const middleware = memosMiddleware({ mos, trustClientIdentity: true });
    await expect(generateText({ model: wrapLanguageModel({ model, middleware }), prompt: 'Hello there', providerOptions: memos(), maxRetries: 0 })).rejects.toThrow('provider down');
    await middleware.flush();
    expect(await sessionItems()).toEqual([]);
  });

  it('writes nothing when the model finishes with an error', async () => {
    const model = new MockLanguageModelV4({ doGenerate: { ...answer('partial'), finishReason: { unified: 'error', raw: 'server_error' } } });
    const middleware = memosMiddleware({ mos, trustClientIdentity: true });
    await generateText({ model: wrapLanguageModel({ model, middleware }), prompt: 'Hello there', providerOptions: memos() });
    await middleware.flush();
    expect(await sessionItems()).toEqual([]);
  });

  it('drops the lowest-ranked memories beyond the token budget', async () => {
    await mos.add({ userId: 'priya', cubeId: 'profile', text: 'Priya walks Biscuit the beagle every morning in the park.' });
    const ranked = await getSessionMemories({ mos, userId: 'priya', cubeIds: ['profile'], query: 'beagle Biscuit', topK: 5 });
    expect(ranked).toHaveLength(3);
    const budget = approximateTokens(formatMemories(ranked.slice(0, 2)));
    expect(approximateTokens(formatMemories(ranked))).toBeGreaterThan(budget);
    const model = new MockLanguageModelV4({ doGenerate: answer('ok') });
    const result = await generateText({
      model: wrapLanguageModel({ model, middleware: memosMiddleware({ mos, trustClientIdentity: true, write: false, tokenBudget: budget, minScore: 0 }) }),
      prompt: 'beagle Biscuit',
      providerOptions: { memos: { userId: 'priya', cubeIds: ['profile'] } },
    });
    expect(model.doGenerateCalls[0]?.prompt[0]).toEqual({ role: 'user', content: [{ type: 'text', text: formatMemories(ranked.slice(0, 2)) }] });
    expect(result.providerMetadata?.['memos']).toMatchObject({ injected: ranked.slice(0, 2).map((m) => m.item.id) });
  });

  it('injects nothing when not even one memory fits the budget', async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('ok') });
    const result = await generateText({
      model: wrapLanguageModel({ model, middleware: memosMiddleware({ mos, trustClientIdentity: true, write: false, tokenBudget: 10 }) }),
      prompt: 'beagle',
      providerOptions: { memos: { userId: 'priya', cubeIds: ['profile'] } },
    });
    expect(model.doGenerateCalls[0]?.prompt).toEqual([{ role: 'user', content: [{ type: 'text', text: 'beagle' }] }]);
    expect(result.providerMetadata?.['memos']).toMatchObject({ injected: [] });
  });

  it('passes a call without a user through untouched', async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('hi') });
    const requests: SessionMemoriesRequest[] = [];
    const middleware = memosMiddleware({ mos, trustClientIdentity: true, retrieve: async (request) => (requests.push(request), []) });
    const result = await generateText({ model: wrapLanguageModel({ model, middleware }), instructions: 'sys', prompt: 'Hello there' });
    await middleware.flush();
    expect(model.doGenerateCalls[0]?.prompt).toEqual([{ role: 'system', content: 'sys' }, { role: 'user', content: [{ type: 'text', text: 'Hello there' }] }]);
    expect(result.providerMetadata).toBeUndefined();
    expect(requests).toEqual([]);
    expect(await sessionItems()).toEqual([]);
  });

  it('rejects a malformed providerOptions.memos instead of silently skipping memory', async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('hi') });
    const call = generateText({ model: wrapLanguageModel({ model, middleware: memosMiddleware({ mos, trustClientIdentity: true }) }), prompt: 'Hi', providerOptions: { memos: { cubeId: 'chats' } } });
    await expect(call).rejects.toMatchObject({ code: 'MEMOS_VALIDATION', field: 'providerOptions.memos.userId' });
    expect(model.doGenerateCalls).toEqual([]);
  });

  it("calls a custom retrieve with the call's user, cubes, session and latest user text", async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('hi') });
    const requests: Omit<SessionMemoriesRequest, 'mos'>[] = [];
    const middleware = memosMiddleware({
      mos, write: false, topK: 3, identity: () => ({ userId: 'priya', cubeId: 'chats', sessionId: 's9' }),
      retrieve: async ({ mos: _mos, ...request }) => (requests.push(request), []),
    });
    await generateText({ model: wrapLanguageModel({ model, middleware }), messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'second question' }] });
    expect(requests).toEqual([{ userId: 'priya', cubeIds: ['chats'], sessionId: 's9', query: 'second question', topK: 3 }]);
  });

  it("with inject 'none' retrieves nothing, leaves the prompt alone and still writes the turn", async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('Noted.') });
    const middleware = memosMiddleware({ mos, trustClientIdentity: true, inject: 'none' });
    const result = await generateText({ model: wrapLanguageModel({ model, middleware }), prompt: 'I moved to Lisbon.', providerOptions: memos() });
    await middleware.flush();
    expect(model.doGenerateCalls[0]?.prompt).toEqual([{ role: 'user', content: [{ type: 'text', text: 'I moved to Lisbon.' }] }]);
    expect(result.providerMetadata?.['memos']).toMatchObject({ injected: [], retrieved: [], workingMemory: [] });
    expect((await sessionItems()).map((item) => item.text)).toEqual(['Priya: I moved to Lisbon.', 'Tom: Noted.']);
  });

  it('reports a failed background write to onError and keeps the response', async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('ok') });
    const errors: { code: unknown; phase: string }[] = [];
    const middleware = memosMiddleware({ mos, trustClientIdentity: true, onError: (error, event) => errors.push({ code: (error as { code?: unknown }).code, phase: event.phase }) });
    const result = await generateText({
      model: wrapLanguageModel({ model, middleware }), prompt: 'Am I allergic to peanuts?',
      providerOptions: { memos: { userId: 'priya', cubeId: 'no-such-cube', cubeIds: ['profile'], turnId: 't-1' } },
    });
    await middleware.flush();
    expect(result.text).toBe('ok');
    expect(result.providerMetadata?.['memos']).toMatchObject({ turnId: 't-1' });
    expect((result.providerMetadata?.['memos'] as { injected: string[] }).injected[0]).toBe(peanuts);
    expect(errors).toEqual([{ code: 'MEMOS_NOT_FOUND', phase: 'write' }]);
  });

  it('validates its options', () => {
    expect(() => memosMiddleware({ mos, trustClientIdentity: true, topK: 0 })).toThrow(/memosMiddleware\.topK/);
    expect(() => memosMiddleware({ mos, trustClientIdentity: true, tokenBudget: -1 })).toThrow(/memosMiddleware\.tokenBudget/);
    expect(() => memosMiddleware({ mos, trustClientIdentity: true, inject: 'user-message' as 'none' })).toThrow(/memosMiddleware\.inject/);
  });
});

describe('memosMiddleware against a hostile client', () => {
  beforeEach(async () => {
    await mos.createUser({ id: 'omar', name: 'Omar' });
    await mos.createCube({ userId: 'omar', id: 'omar-chats', name: 'Omar' });
  });

  it('a call whose providerOptions.memos names the victim reads and writes only the authenticated user', async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('No idea.') });
    // The server resolves the user from its own session store, keyed by a header it checked.
    const sessions = new Map([['token-omar', 'omar']]);
    const middleware = memosMiddleware({
      mos,
      identity: ({ headers }) => {
        const userId = sessions.get(headers?.['x-session'] ?? '');
        return userId === undefined ? undefined : { userId, cubeId: `${userId}-chats` };
      },
    });
    const hostile = { memos: { userId: 'priya', cubeId: 'chats', cubeIds: ['profile', 'chats'], sessionId: 's-omar' } };
    const before = (await mos.getAll({ userId: 'priya' })).items.map((i) => [i.id, i.version]);
    const result = await generateText({ model: wrapLanguageModel({ model, middleware }), prompt: 'Am I allergic to peanuts? What is my beagle called?', headers: { 'x-session': 'token-omar' }, providerOptions: hostile });
    await middleware.flush();
    expect(JSON.stringify(model.doGenerateCalls[0]?.prompt)).not.toContain('allergic to peanuts.');
    expect(JSON.stringify(model.doGenerateCalls[0]?.prompt)).not.toContain('Biscuit');
    expect(result.providerMetadata?.['memos']).toMatchObject({ injected: [] });
    expect((await mos.getAll({ userId: 'omar', cubeIds: ['omar-chats'] })).items.map((i) => [i.text, i.sessionId])).toEqual([
      ['Am I allergic to peanuts? What is my beagle called?', 's-omar'], ['No idea.', 's-omar'],
    ]);
    expect((await mos.getAll({ userId: 'priya' })).items.map((i) => [i.id, i.version])).toEqual(before);

    // No session the server knows: the call passes through, even though providerOptions name a user.
    await generateText({ model: wrapLanguageModel({ model, middleware }), prompt: 'Hello', providerOptions: hostile });
    await middleware.flush();
    expect(model.doGenerateCalls[1]?.prompt).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }]);
    expect((await mos.getAll({ userId: 'priya' })).items.map((i) => [i.id, i.version])).toEqual(before);
  });

  it('needs identity or trustClientIdentity: true when constructed', () => {
    expect(() => memosMiddleware({ mos })).toThrow(expect.objectContaining({ code: 'MEMOS_VALIDATION', field: 'memosMiddleware.identity' }));
    expect(() => memosMiddleware({ mos, identity: { userId: 'omar' }, trustClientIdentity: true })).toThrow(expect.objectContaining({ field: 'memosMiddleware.identity' }));
    expect(() => memosMiddleware({ mos, identity: { userId: '' } })).toThrow(expect.objectContaining({ field: 'memosMiddleware.identity.userId' }));
    expect(() => memosMiddleware({ mos, identity: { userId: 'omar' } })).not.toThrow();
  });

  it('rejects a resolver result that is not an identity', async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('x') });
    const middleware = memosMiddleware({ mos, identity: () => ({ userId: 'omar', cubeIds: [] }) });
    await expect(generateText({ model: wrapLanguageModel({ model, middleware }), prompt: 'Hi' })).rejects.toMatchObject({ field: 'memosMiddleware.identity.cubeIds' });
    expect(model.doGenerateCalls).toEqual([]);
  });
});
