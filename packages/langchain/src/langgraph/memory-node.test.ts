import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { Annotation, END, InMemoryStore, MemorySaver, MessagesAnnotation, START, StateGraph, type BaseStore } from '@langchain/langgraph';
import { ValidationError, type MemOS } from '@memos-js/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestMos } from '../test-support/create-test-mos.ts';
import { createMemoryNode, createRememberNode, MemoriesAnnotation } from './memory-node.ts';
import { MemOSStore } from './memos-store.ts';

const State = Annotation.Root({ ...MessagesAnnotation.spec, ...MemoriesAnnotation.spec });

function buildGraph(store: BaseStore) {
  const model = fakeModel()
    .respond((messages: BaseMessage[]) => new AIMessage(`Noted (${messages.length} messages).`))
    .respond((messages: BaseMessage[]) => new AIMessage(`You told me: ${messages[0]?.text.split('\n').slice(1).join(' | ')}`));
  const respond = async (state: typeof State.State) => {
    const memoryLines = state.memories.map((m) => `- ${m.text}`).join('\n');
    const reply = await model.invoke([new SystemMessage(`Memories:\n${memoryLines}`), ...state.messages]);
    return { messages: [reply] };
  };
  const graph = new StateGraph(State)
    .addNode('recall', createMemoryNode({ limit: 3 }))
    .addNode('respond', respond)
    .addNode('remember', createRememberNode())
    .addEdge(START, 'recall')
    .addEdge('recall', 'respond')
    .addEdge('respond', 'remember')
    .addEdge('remember', END)
    .compile({ checkpointer: new MemorySaver(), store });
  return { graph, model };
}

describe('createMemoryNode / createRememberNode', () => {
  let mos: MemOS;
  beforeEach(async () => {
    mos = await createTestMos();
  });
  afterEach(async () => {
    await mos.close();
  });

  it('runs a compiled graph with MemOSStore end to end: turn 1 is remembered, turn 2 retrieves it', async () => {
    const store = new MemOSStore({ mos, userId: 'alice', cubeId: 'alice-notes' });
    const { graph, model } = buildGraph(store);
    const config = { configurable: { thread_id: 'thread-1', userId: 'alice' } };

    const first = await graph.invoke({ messages: [new HumanMessage('My favourite climbing spot is Fontainebleau near Paris.')] }, config);
    expect(first.memories).toEqual([]);

    const second = await graph.invoke({ messages: [new HumanMessage('Where do I like to go climbing?')] }, config);
    expect(second.memories.length).toBeGreaterThan(0);
    expect(second.memories[0]?.text).toBe('My favourite climbing spot is Fontainebleau near Paris.');
    expect(second.memories[0]?.namespace).toEqual(['memories', 'alice']);
    expect(typeof second.memories[0]?.score).toBe('number');
    expect(model.calls[1]?.messages[0]?.text).toContain('Fontainebleau');
    expect(second.messages.at(-1)?.text).toContain('Fontainebleau');

    // Both human turns are MemOS memories now, with the thread in the stored value.
    const { items } = await mos.getAll({ userId: 'alice', filter: { metadata: { 'lg:ns': JSON.stringify(['memories', 'alice']) } } });
    expect(items.map((i) => i.text).sort()).toEqual(['My favourite climbing spot is Fontainebleau near Paris.', 'Where do I like to go climbing?']);
    const stored = await store.search(['memories', 'alice'], { filter: { role: 'user', threadId: 'thread-1' } });
    expect(stored).toHaveLength(2);

    // Re-running the remember node on the same state does not duplicate (keys are message ids).
    await createRememberNode()(second, { ...config, store });
    expect((await store.search(['memories', 'alice'])).length).toBe(2);
  });

  it('works the same with LangGraph InMemoryStore (any BaseStore)', async () => {
    const { graph } = buildGraph(new InMemoryStore());
    const config = { configurable: { thread_id: 't', userId: 'bob' } };
    await graph.invoke({ messages: [new HumanMessage('I play the cello')] }, config);
    const second = await graph.invoke({ messages: [new HumanMessage('What instrument?')] }, config);
    expect(second.memories.map((m) => m.text)).toContain('I play the cello');
  });

  it('takes namespace, store and message types from options', async () => {
    const store = new MemOSStore({ mos, userId: 'alice', cubeId: 'alice-notes' });
    const remember = createRememberNode({ store, namespace: () => ['team', 'notes'], types: ['human', 'ai'], toValue: (m) => ({ content: m.text, kind: m.getType() }) });
    await remember({ messages: [new HumanMessage({ content: 'Deploy on Fridays is banned', id: 'h1' }), new AIMessage({ content: 'Understood, no Friday deploys.', id: 'a1' })] }, {});
    const recall = createMemoryNode({ store, namespace: ['team', 'notes'], filter: { kind: 'human' }, memoriesKey: 'notes' });
    const result = await recall({ messages: [new HumanMessage('Can we deploy on Friday?')] }, {});
    expect(result.notes?.map((m) => m.text)).toEqual(['Deploy on Fridays is banned']);
  });

  it('fails with ValidationError when no store or no user is known', async () => {
    await expect(createMemoryNode()({ messages: [new HumanMessage('hi')] }, {})).rejects.toBeInstanceOf(ValidationError);
    const store = new InMemoryStore();
    await expect(createMemoryNode({ store })({ messages: [new HumanMessage('hi')] }, {})).rejects.toMatchObject({ field: 'memoryNode.userId' });
    await expect(createRememberNode({ store, userId: 'u' })({ messages: 'nope' }, {})).rejects.toBeInstanceOf(ValidationError);
  });
});
