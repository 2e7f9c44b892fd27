import { AIMessage, ChatMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { ChatPromptTemplate, MessagesPlaceholder } from '@langchain/core/prompts';
import { RunnableWithMessageHistory } from '@langchain/core/runnables';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { createFastMemReader, type MemOS } from '@memos-js/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemOSChatMessageHistory } from './memos-chat-message-history.ts';
import { createTestMos } from './test-support/create-test-mos.ts';

function simplify(messages: BaseMessage[]) {
  return messages.map((m) => ({ type: m.getType(), content: m.content, id: m.id, name: m.name, ...(m instanceof AIMessage ? { tool_calls: m.tool_calls } : {}), ...(m instanceof ToolMessage ? { tool_call_id: m.tool_call_id } : {}) }));
}

describe('MemOSChatMessageHistory', () => {
  let mos: MemOS;
  const options = () => ({ mos, userId: 'alice', cubeId: 'alice-notes', sessionId: 'chat-1' });
  beforeEach(async () => {
    mos = await createTestMos();
  });
  afterEach(async () => {
    await mos.close();
  });

  it('round-trips messages of every kind, in order, across instances sharing one MemOS', async () => {
    const writer = new MemOSChatMessageHistory({ ...options(), speakers: { human: 'Alice', ai: 'Bot' } });
    const long = Array.from({ length: 80 }, (_, i) => `Line ${i} of a long answer.`).join(' ');
    const messages: BaseMessage[] = [
      new SystemMessage('You are a helpful assistant.'),
      new HumanMessage({ content: 'I adopted a beagle called Biscuit.', id: 'h1' }),
      new AIMessage({ content: '', tool_calls: [{ name: 'search_memory', args: { query: 'dog' }, id: 'call-1', type: 'tool_call' }] }),
      new ToolMessage({ content: '[]', tool_call_id: 'call-1', name: 'search_memory' }),
      new AIMessage({ content: 'Congratulations on Biscuit!', response_metadata: { model: 'fake' } }),
      new HumanMessage({ content: [{ type: 'text', text: 'Look at this' }, { type: 'image_url', image_url: { url: 'https://example.com/b.png' } }] }),
      new AIMessage(long),
      new HumanMessage('  padded text  '),
      new ChatMessage({ content: 'a custom role', role: 'narrator' }),
    ];
    await writer.addMessages(messages.slice(0, 4));
    await writer.addMessage(messages[4]!);
    await writer.addMessages(messages.slice(5));

    const reader = new MemOSChatMessageHistory(options());
    const loaded = await reader.getMessages();
    expect(simplify(loaded)).toEqual(simplify(messages));
    expect((loaded[4] as AIMessage).response_metadata).toEqual({ model: 'fake' });
    expect((loaded[8] as ChatMessage).role).toBe('narrator');

    // The same memories are searchable conversation memory.
    const { hits } = await mos.search({ userId: 'alice', query: 'beagle Biscuit', topK: 1 });
    expect(hits[0]?.item.text).toBe('Alice: I adopted a beagle called Biscuit.');
    expect(hits[0]?.item.sessionId).toBe('chat-1');
    expect(hits[0]?.item.memoryType).toBe('event');
  });

  it('stores a plain message once: the memory text is the content', async () => {
    const history = new MemOSChatMessageHistory({ ...options(), speakers: { human: 'Alice' } });
    await history.addUserMessage('I live in Leeds.');
    await history.addAIMessage('Leeds is lovely.');
    const { items } = await mos.getAll({ userId: 'alice', filter: { sessionId: 'chat-1' } });
    expect(items.map((i) => [i.text, i.metadata])).toEqual([
      ['Alice: I live in Leeds.', { 'lc:chat': 'chat-1', 'lc:index': 0, 'lc:type': 'human' }],
      ['Leeds is lovely.', { 'lc:chat': 'chat-1', 'lc:index': 1, 'lc:type': 'ai' }],
    ]);
    // Consecutive messages are linked (FOLLOWS), also across separate add calls.
    const neighbors = await mos.graph.neighbors({ ids: [items[1]!.id], types: ['FOLLOWS'], hops: 1, filter: {}, limit: 10 });
    expect(neighbors.map((n) => [n.id, n.type])).toEqual([[items[0]!.id, 'FOLLOWS']]);
  });

  it('keeps sessions apart and clear() soft-deletes only its own session', async () => {
    const one = new MemOSChatMessageHistory(options());
    const two = new MemOSChatMessageHistory({ ...options(), sessionId: 'chat-2' });
    await one.addMessages([new HumanMessage('one'), new AIMessage('uno')]);
    await two.addMessages([new HumanMessage('two')]);
    await one.clear();
    expect(await one.getMessages()).toEqual([]);
    expect((await two.getMessages()).map((m) => m.text)).toEqual(['two']);
    const deleted = await mos.getAll({ userId: 'alice', filter: { statuses: ['deleted'] } });
    expect(deleted.items.map((i) => i.text).sort()).toEqual(['one', 'uno']);
    await one.addUserMessage('again');
    expect((await new MemOSChatMessageHistory(options()).getMessages()).map((m) => m.text)).toEqual(['again']);
  });

  it('serves RunnableWithMessageHistory', async () => {
    const prompt = ChatPromptTemplate.fromMessages([new MessagesPlaceholder('history'), ['human', '{input}']]);
    const model = new FakeListChatModel({ responses: ['Hello Alice!', 'Your name is Alice.'] });
    const seen: number[] = [];
    const chain = prompt.pipe((value) => {
      seen.push(value.toChatMessages().length);
      return model.invoke(value);
    });
    const withHistory = new RunnableWithMessageHistory({
      runnable: chain,
      getMessageHistory: (sessionId: string) => new MemOSChatMessageHistory({ ...options(), sessionId }),
      inputMessagesKey: 'input',
      historyMessagesKey: 'history',
    });
    const config = { configurable: { sessionId: 'rwmh' } };
    await withHistory.invoke({ input: 'Hi, I am Alice.' }, config);
    const second = await withHistory.invoke({ input: 'What is my name?' }, config);
    expect(second.text).toBe('Your name is Alice.');
    expect(seen).toEqual([1, 3]);
    const stored = await new MemOSChatMessageHistory({ ...options(), sessionId: 'rwmh' }).getMessages();
    expect(stored.map((m) => [m.getType(), m.text])).toEqual([['human', 'Hi, I am Alice.'], ['ai', 'Hello Alice!'], ['human', 'What is my name?'], ['ai', 'Your name is Alice.']]);
  });

  it('surfaces MemOS errors as typed errors', async () => {
    const history = new MemOSChatMessageHistory({ ...options(), cubeId: 'missing-cube' });
    await expect(history.addUserMessage('hi')).rejects.toMatchObject({ code: 'MEMOS_NOT_FOUND' });
    const huge = new MemOSChatMessageHistory(options());
    await expect(huge.addMessage(new ToolMessage({ content: 'x'.repeat(400_000), tool_call_id: 'c' }))).rejects.toMatchObject({ code: 'MEMOS_INPUT_TOO_LARGE' });
    expect((await mos.getAll({ userId: 'alice', filter: { statuses: ['active', 'deleted'] } })).total).toBe(0);
  });

  it('round-trips whatever the reader keeps (here: user messages only, split at 60 characters)', async () => {
    const custom = await createTestMos({ reader: createFastMemReader({ roles: ['user'], maxChunkChars: 60, chunkOverlapChars: 10 }) });
    try {
      const history = new MemOSChatMessageHistory({ mos: custom, userId: 'alice', cubeId: 'alice-notes', sessionId: 's', speakers: { human: 'Alice' } });
      const messages = [
        new HumanMessage('Short question?'),
        new AIMessage('An assistant reply that this reader does not keep as a memory.'),
        new HumanMessage('A longer user message that the reader splits into several overlapping chunks of text.'),
      ];
      await history.addMessages(messages);
      expect(simplify(await history.getMessages())).toEqual(simplify(messages));
      const { hits } = await custom.search({ userId: 'alice', query: 'assistant reply', topK: 1 });
      expect(hits[0]?.item.text.startsWith('Assistant: An assistant reply')).toBe(true);
    } finally {
      await custom.close();
    }
  });
});
