import type { LanguageModelV4CallOptions, LanguageModelV4Content, LanguageModelV4GenerateResult, LanguageModelV4Usage } from '@ai-sdk/provider';
import { createMemOS, type MemOS } from '@memos-js/core';
import { generateText, stepCountIs, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memosMiddleware } from '../middleware/memos-middleware.ts';
import { memosTools } from './memos-tools.ts';

const usage: LanguageModelV4Usage = { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 3, text: 3, reasoning: 0 } };
function respond(content: LanguageModelV4Content[]): LanguageModelV4GenerateResult {
  const calls = content.some((part) => part.type === 'tool-call');
  return { content, finishReason: calls ? { unified: 'tool-calls', raw: 'tool_calls' } : { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
}
function call(toolCallId: string, toolName: string, input: unknown): LanguageModelV4Content {
  return { type: 'tool-call', toolCallId, toolName, input: JSON.stringify(input) };
}

let mos: MemOS;
let biscuit: string;
let peanuts: string;
let elsewhere: string;
beforeEach(async () => {
  mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } });
  await mos.setup();
  await mos.createUser({ id: 'priya', name: 'Priya' });
  await mos.createCube({ userId: 'priya', id: 'chats', name: 'Chats' });
  await mos.createCube({ userId: 'priya', id: 'work', name: 'Work' });
  const { items } = await mos.add({
    userId: 'priya', cubeId: 'chats',
    messages: [
      { role: 'user', speaker: 'Priya', content: 'I adopted a beagle called Biscuit.', time: '2024-03-03T19:12:00Z' },
      { role: 'user', speaker: 'Priya', content: 'I am allergic to peanuts.', time: '2024-03-05T08:00:00Z' },
    ],
  });
  [biscuit, peanuts] = items.map((item) => item.id) as [string, string];
  elsewhere = (await mos.add({ userId: 'priya', cubeId: 'work', text: 'Quarterly report due in June.' })).items[0]?.id ?? '';
});
afterEach(async () => {
  await mos.close();
});

describe('memosTools', () => {
  it('lets a model search memories through generateText, then answer (the turn is written once)', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: [respond([call('c1', 'searchMemories', { query: 'beagle name', topK: 1 })]), respond([{ type: 'text', text: 'Your beagle is Biscuit.' }])],
    });
    const middleware = memosMiddleware({ mos, identity: { userId: 'priya', cubeId: 'chats' }, inject: 'none' });
    const result = await generateText({
      model: wrapLanguageModel({ model, middleware }),
      tools: memosTools({ mos, userId: 'priya', cubeId: 'chats' }),
      stopWhen: stepCountIs(2),
      prompt: 'What is my dog called?',
      providerOptions: { memos: { userId: 'priya', cubeId: 'chats', sessionId: 's1' } },
    });
    expect(result.text).toBe('Your beagle is Biscuit.');
    expect(result.steps).toHaveLength(2);
    const [searched] = result.steps[0]?.toolResults ?? [];
    expect(searched?.toolName).toBe('searchMemories');
    expect(searched?.output).toEqual({
      memories: [{ id: biscuit, text: 'Priya: I adopted a beagle called Biscuit.', memoryType: 'event', cubeId: 'chats', date: '2024-03-03', speaker: 'Priya', tags: ['chat', 'user', 'priya'], score: expect.any(Number), version: 1 }],
    });
    // The model saw the tool result in its second step.
    const secondPrompt = (model.doGenerateCalls[1] as LanguageModelV4CallOptions).prompt;
    expect(JSON.stringify(secondPrompt.at(-1))).toContain('Biscuit');
    await middleware.flush();
    const session = await mos.getAll({ userId: 'priya', cubeIds: ['chats'], filter: { sessionId: 's1' } });
    expect(session.items.map((item) => item.text)).toEqual(['What is my dog called?', 'Your beagle is Biscuit.']);
  });

  it('adds, updates and forgets memories from tool calls', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: [
        respond([
          call('a', 'addMemory', { text: 'Priya prefers tea over coffee.', memoryType: 'preference', tags: ['drinks'] }),
          call('u', 'updateMemory', { id: biscuit, text: 'Priya adopted a beagle called Biscuit in March 2024.', reason: 'more precise' }),
          call('f', 'forgetMemory', { id: peanuts, reason: 'user asked' }),
        ]),
        respond([{ type: 'text', text: 'Done.' }]),
      ],
    });
    const result = await generateText({
      model, tools: memosTools({ mos, userId: 'priya', cubeId: 'chats', sessionId: 's2', tags: ['agent'] }), stopWhen: stepCountIs(2), prompt: 'Update my memory.',
    });
    const outputs = Object.fromEntries((result.steps[0]?.toolResults ?? []).map((r) => [r.toolName, r.output]));
    expect(outputs['addMemory']).toEqual({
      added: [{ id: expect.any(String), text: 'Priya prefers tea over coffee.', memoryType: 'preference', cubeId: 'chats', date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), tags: expect.arrayContaining(['agent', 'drinks']), version: 1 }],
    });
    expect(outputs['updateMemory']).toMatchObject({ updated: { id: biscuit, text: 'Priya adopted a beagle called Biscuit in March 2024.', version: 2 } });
    expect(outputs['forgetMemory']).toEqual({ forgotten: { id: peanuts, status: 'deleted' } });
    expect((await mos.get({ userId: 'priya', id: peanuts })).status).toBe('deleted');
    expect((await mos.history({ userId: 'priya', id: biscuit })).at(-1)?.reason).toBe('more precise');
    expect(result.text).toBe('Done.');
  });

  it('returns MemOS errors to the model as { error: { code, message } }', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: [
        respond([
          call('u', 'updateMemory', { id: 'no-such-memory', text: 'x' }),
          call('f', 'forgetMemory', { id: elsewhere }),
          call('a', 'addMemory', { text: '   ' }),
        ]),
        respond([{ type: 'text', text: 'Sorry.' }]),
      ],
    });
    const result = await generateText({ model, tools: memosTools({ mos, userId: 'priya', cubeId: 'chats' }), stopWhen: stepCountIs(2), prompt: 'Change things.' });
    const outputs = Object.fromEntries((result.steps[0]?.toolResults ?? []).map((r) => [r.toolName, r.output]));
    expect(outputs['updateMemory']).toEqual({ error: { code: 'MEMOS_NOT_FOUND', message: 'Unknown memory: "no-such-memory"' } });
    // A memory outside the tools' cubes is reported as unknown and left alone.
    expect(outputs['forgetMemory']).toEqual({ error: { code: 'MEMOS_NOT_FOUND', message: `Unknown memory: ${JSON.stringify(elsewhere)}` } });
    expect((await mos.get({ userId: 'priya', id: elsewhere })).status).toBe('active');
    expect(outputs['addMemory']).toMatchObject({ error: { code: 'MEMOS_VALIDATION' } });
    expect(result.text).toBe('Sorry.');
  });

  it('reveals nothing about another user\'s memory: the same error as an unknown id, and it stays untouched', async () => {
    await mos.createUser({ id: 'omar', name: 'Omar' });
    await mos.createCube({ userId: 'omar', id: 'omar-notes', name: 'Omar' });
    const [secret] = (await mos.add({ userId: 'omar', cubeId: 'omar-notes', text: 'Omar hides his savings in a sock.' })).items;
    const tools = memosTools({ mos, userId: 'priya', cubeId: 'chats', cubeIds: ['chats', 'omar-notes'] });
    const model = new MockLanguageModelV4({
      doGenerate: [
        respond([call('u', 'updateMemory', { id: secret!.id, text: 'x' }), call('f', 'forgetMemory', { id: secret!.id }), call('s', 'searchMemories', { query: 'savings sock' })]),
        respond([{ type: 'text', text: 'Sorry.' }]),
      ],
    });
    const result = await generateText({ model, tools, stopWhen: stepCountIs(2), prompt: 'Change things.' });
    const outputs = Object.fromEntries((result.steps[0]?.toolResults ?? []).map((r) => [r.toolName, r.output]));
    const unknown = { error: { code: 'MEMOS_NOT_FOUND', message: `Unknown memory: ${JSON.stringify(secret!.id)}` } };
    expect(outputs['updateMemory']).toEqual(unknown);
    expect(outputs['forgetMemory']).toEqual(unknown);
    // Naming the cube in cubeIds gives no access: the search is refused by the MOS access control.
    expect(outputs['searchMemories']).toMatchObject({ error: { code: expect.stringMatching(/^MEMOS_/) } });
    expect(JSON.stringify(outputs)).not.toContain('sock');
    const after = await mos.get({ userId: 'omar', id: secret!.id });
    expect([after.status, after.version]).toEqual(['active', 1]);
  });

  it('searches every cube in scope when cubeIds is given', async () => {
    const tools = memosTools({ mos, userId: 'priya', cubeId: 'chats', cubeIds: ['chats', 'work'] });
    const model = new MockLanguageModelV4({ doGenerate: [respond([call('s', 'searchMemories', { query: 'quarterly report' })]), respond([{ type: 'text', text: 'June.' }])] });
    const result = await generateText({ model, tools, stopWhen: stepCountIs(2), prompt: 'When is the report due?' });
    const output = result.steps[0]?.toolResults[0]?.output as { memories: { id: string }[] };
    expect(output.memories[0]?.id).toBe(elsewhere);
  });
});
