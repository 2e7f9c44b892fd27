import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { MemorySaver } from '@langchain/langgraph';
import { MemosError, ValidationError, type MemOS } from '@memos-js/core';
import { createAgent } from 'langchain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryTools } from '../create-memory-tools.ts';
import { ALICE_SECRET, createTestMos, createTwoUserMos, HOSTILE_BOB_RUN, serverIdentity } from '../test-support/create-test-mos.ts';
import { appendMemoryBlock, latestTurn, memosAgentMiddleware } from './memos-agent-middleware.ts';

describe('memosAgentMiddleware inside createAgent', () => {
  let mos: MemOS;
  beforeEach(async () => {
    mos = await createTestMos();
    await mos.add({ userId: 'alice', cubeId: 'alice-notes', text: 'Alice is allergic to peanuts', memoryType: 'fact' });
    await mos.add({ userId: 'alice', cubeId: 'alice-notes', text: 'Alice is vegetarian since 2019', memoryType: 'fact' });
  });
  afterEach(async () => {
    await mos.close();
  });

  it('injects memories into the system prompt (not the state) and writes the turn after the agent finished', async () => {
    const model = fakeModel().respond(new AIMessage('Try a chickpea curry without peanuts.'));
    const injected: string[] = [];
    const agent = createAgent({
      model,
      tools: [],
      systemPrompt: 'You are a cooking assistant.',
      middleware: [memosAgentMiddleware({ mos, trustClientIdentity: true, onInject: (e) => injected.push(e.text) })],
    });
    const result = await agent.invoke(
      { messages: [new HumanMessage('What should I cook tonight? Remember my peanut allergy.')] },
      { context: { userId: 'alice', cubeId: 'alice-notes', sessionId: 'kitchen' } },
    );

    const [call] = model.calls;
    const system = call?.messages[0];
    expect(system).toBeInstanceOf(SystemMessage);
    expect(system?.text.startsWith('You are a cooking assistant.\n\nRelevant memories (oldest first):\n')).toBe(true);
    expect(system?.text).toContain('] Alice is allergic to peanuts');
    expect(system?.text).toContain('] Alice is vegetarian since 2019');
    expect(system?.text).toBe(`You are a cooking assistant.\n\n${injected[0]}`);

    // The memory text never enters the agent state.
    expect(result.messages.map((m) => m.getType())).toEqual(['human', 'ai']);
    for (const message of result.messages) expect(message.text).not.toContain('allergic to peanuts');

    // The turn was written to MemOS once the agent finished.
    const { items } = await mos.getAll({ userId: 'alice', filter: { sessionId: 'kitchen' } });
    expect(items.map((i) => [i.sources[0]?.role, i.text])).toEqual([
      ['user', 'What should I cook tonight? Remember my peanut allergy.'],
      ['assistant', 'Try a chickpea curry without peanuts.'],
    ]);
    expect(items[0]?.sources[0]?.messageId).toBe(result.messages[0]?.id);
  });

  it('gives byte-identical memory text for the same memories and reads scope from configurable', async () => {
    const model = fakeModel().respond(new AIMessage('A')).respond(new AIMessage('B'));
    const agent = createAgent({ model, tools: [], middleware: [memosAgentMiddleware({ mos, trustClientIdentity: true, save: false, filter: { memoryTypes: ['fact'] } })] });
    const config = { configurable: { userId: 'alice' } };
    await agent.invoke({ messages: [new HumanMessage('peanuts vegetarian diet')] }, config);
    await agent.invoke({ messages: [new HumanMessage('vegetarian diet and peanuts')] }, config);
    const [first, second] = model.calls.map((c) => c.messages[0]);
    expect(first?.text).toContain('allergic to peanuts');
    expect(first?.text).toBe(second?.text);
    expect((await mos.getAll({ userId: 'alice' })).total).toBe(2);
  });

  it('remembers across threads: a fact said in one conversation is injected in the next', async () => {
    const model = fakeModel().respond(new AIMessage('Nice, Lisbon it is.')).respond(new AIMessage('You are going to Lisbon.'));
    const agent = createAgent({ model, tools: [], checkpointer: new MemorySaver(), middleware: [memosAgentMiddleware({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } })] });
    await agent.invoke({ messages: [new HumanMessage('I booked a trip to Lisbon in May.')] }, { configurable: { thread_id: 'trip-1' } });
    await agent.invoke({ messages: [new HumanMessage('Where is my trip in May?')] }, { configurable: { thread_id: 'trip-2' } });
    expect(model.calls[1]?.messages[0]?.text).toContain('I booked a trip to Lisbon in May.');
    const trip1 = await mos.getAll({ userId: 'alice', filter: { sessionId: 'trip-1' } });
    expect(trip1.items.map((i) => i.text)).toEqual(['I booked a trip to Lisbon in May.', 'Nice, Lisbon it is.']);
  });

  it('works with the memory tools in the same agent (tool call, tool result, final answer)', async () => {
    const model = fakeModel()
      .respondWithTools([{ name: 'add_memory', args: { text: 'Alice runs on Tuesdays', memoryType: 'preference' }, id: 'call-1' }])
      .respond(new AIMessage('Saved: you run on Tuesdays.'));
    const agent = createAgent({ model, tools: [...createMemoryTools({ mos, trustClientIdentity: true })], middleware: [memosAgentMiddleware({ mos, trustClientIdentity: true })] });
    const result = await agent.invoke({ messages: [new HumanMessage('Please remember that I run on Tuesdays.')] }, { context: { userId: 'alice', cubeId: 'alice-notes' } });
    const toolMessage = result.messages.find((m) => m instanceof ToolMessage);
    expect(JSON.parse(toolMessage!.text)[0]).toMatchObject({ text: 'Alice runs on Tuesdays', memoryType: 'preference' });
    expect(model.calls).toHaveLength(2);
    // The turn saved = the human message and the final text reply (tool traffic is left out).
    const saved = await mos.getAll({ userId: 'alice', filter: { memoryTypes: ['event'] } });
    expect(saved.items.map((i) => i.text)).toEqual(['Please remember that I run on Tuesdays.', 'Saved: you run on Tuesdays.']);
  });

  it('fails with a typed error when the user or the cube is missing', async () => {
    expect(() => memosAgentMiddleware({ mos })).toThrow(expect.objectContaining({ field: 'MemOSMemory.identity' }));
    const noUser = createAgent({ model: fakeModel().respond(new AIMessage('x')), tools: [], middleware: [memosAgentMiddleware({ mos, trustClientIdentity: true })] });
    const error = await noUser.invoke({ messages: [new HumanMessage('hello')] }).then(() => undefined, (e: unknown) => e);
    expect(findMemosError(error)).toBeInstanceOf(ValidationError);

    const noCube = createAgent({ model: fakeModel().respond(new AIMessage('x')), tools: [], middleware: [memosAgentMiddleware({ mos, identity: { userId: 'alice' } })] });
    const cubeError = await noCube.invoke({ messages: [new HumanMessage('hello')] }).then(() => undefined, (e: unknown) => e);
    expect(findMemosError(cubeError)).toMatchObject({ field: 'MemOSMemory.cubeId' });
  });

  it('helpers: appendMemoryBlock keeps the prompt as a separate prefix block; latestTurn keeps the last exchange', () => {
    expect(appendMemoryBlock(new SystemMessage(''), 'M').text).toBe('M');
    expect(appendMemoryBlock(new SystemMessage('S'), 'M').content).toEqual([{ type: 'text', text: 'S' }, { type: 'text', text: '\n\nM' }]);
    const turn = latestTurn([new HumanMessage('old'), new AIMessage('old reply'), new HumanMessage('new'), new AIMessage({ content: 'let me check', tool_calls: [{ name: 't', args: {}, id: '1' }] }), new ToolMessage({ content: 'r', tool_call_id: '1' }), new AIMessage('final')]);
    expect(turn.map((m) => m.text)).toEqual(['new', 'final']);
  });
});

describe('memosAgentMiddleware against a hostile client', () => {
  let mos: MemOS;
  beforeEach(async () => {
    mos = await createTwoUserMos();
  });
  afterEach(async () => {
    await mos.close();
  });

  it('a client setting context/configurable userId to the victim gets only its own memories, and its turn lands in its own cube', async () => {
    const model = fakeModel().respond(new AIMessage('I do not know where any key is.'));
    const injected: string[] = [];
    const agent = createAgent({ model, tools: [], middleware: [memosAgentMiddleware({ mos, identity: serverIdentity, onInject: (e) => injected.push(e.text) })] });
    await agent.invoke({ messages: [new HumanMessage('Where is the spare door key under the flower pot?')] }, HOSTILE_BOB_RUN);
    expect(injected.join('\n')).not.toContain('flower pot');
    expect(model.calls[0]?.messages[0]?.text ?? '').not.toContain('blue flower pot');
    expect((await mos.getAll({ userId: 'bob', cubeIds: ['bob-notes'] })).items.map((i) => i.text)).toEqual(['Where is the spare door key under the flower pot?', 'I do not know where any key is.']);
    expect((await mos.getAll({ userId: 'alice' })).items.map((i) => i.text)).toEqual([ALICE_SECRET]);
  });
});

/** The MemosError itself or in the cause chain (langchain wraps middleware errors). */
function findMemosError(error: unknown): MemosError | undefined {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth += 1) {
    if (MemosError.isInstance(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
