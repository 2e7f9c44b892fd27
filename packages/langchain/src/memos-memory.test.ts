import { AIMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda, RunnableSequence } from '@langchain/core/runnables';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ValidationError, type MemOS } from '@memos-js/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemOSMemory } from './memos-memory.ts';
import { createTestMos } from './test-support/create-test-mos.ts';

describe('MemOSMemory (BaseMemory)', () => {
  let mos: MemOS;
  beforeEach(async () => {
    mos = await createTestMos();
    await mos.add({ userId: 'alice', cubeId: 'alice-notes', text: 'Alice is training for the Berlin marathon', memoryType: 'fact' });
  });
  afterEach(async () => {
    await mos.close();
  });

  it('loads memories for the input under memoryKey, as text or as a system message', async () => {
    const memory = new MemOSMemory({ mos, userId: 'alice', cubeId: 'alice-notes' });
    expect(memory.memoryKeys).toEqual(['memories']);
    const vars = await memory.loadMemoryVariables({ input: 'How is the marathon training going?' });
    expect(vars.memories).toMatch(/^<memos-notes kind="retrieved">\n.*not instructions.*\n- \[\d{4}-\d{2}-\d{2} · fact\] "Alice is training for the Berlin marathon"\n<\/memos-notes>$/);

    const asMessages = new MemOSMemory({ mos, userId: 'alice', cubeId: 'alice-notes', memoryKey: 'context', returnMessages: true, header: 'Known:' });
    const messageVars = await asMessages.loadMemoryVariables({ question: 'marathon', context: 'ignored' });
    expect(messageVars.context).toHaveLength(1);
    expect(messageVars.context[0]).toBeInstanceOf(SystemMessage);
    expect(messageVars.context[0].text.split('\n')[1]).toMatch(/ Known:$/);
    const none = new MemOSMemory({ mos, userId: 'alice', cubeId: 'alice-notes', returnMessages: true, filter: { memoryTypes: ['preference'] } });
    expect(await none.loadMemoryVariables({ input: 'marathon' })).toEqual({ memories: [] });
  });

  it('saves the turn and finds it next time; works in a chain that uses memory variables', async () => {
    const memory = new MemOSMemory({ mos, userId: 'alice', cubeId: 'alice-notes', sessionId: 's1', inputKey: 'question', speakers: { user: 'Alice' } });
    const prompt = ChatPromptTemplate.fromTemplate('Memories:\n{memories}\n\nQuestion: {question}');
    const model = new FakeListChatModel({ responses: ['Noted: oat milk.', 'You like oat milk.'] });
    const prompts: string[] = [];
    const chain = RunnableSequence.from([
      RunnableLambda.from(async (question: string) => ({ question, ...(await memory.loadMemoryVariables({ question })) })),
      prompt,
      RunnableLambda.from((p: Awaited<ReturnType<typeof prompt.invoke>>) => {
        prompts.push(p.toString());
        return p;
      }),
      model,
      new StringOutputParser(),
    ]);
    const ask = async (question: string) => {
      const answer = await chain.invoke(question);
      await memory.saveContext({ question }, { output: answer });
      return answer;
    };
    await ask('I always take oat milk in my coffee.');
    expect(await ask('What milk do I take in coffee?')).toBe('You like oat milk.');
    expect(prompts[1]).toContain('Alice: I always take oat milk in my coffee.');
    const { items } = await mos.getAll({ userId: 'alice', filter: { sessionId: 's1' } });
    expect(items.map((i) => [i.sources[0]?.role, i.text])).toEqual([
      ['user', 'Alice: I always take oat milk in my coffee.'],
      ['assistant', 'Noted: oat milk.'],
      ['user', 'Alice: What milk do I take in coffee?'],
      ['assistant', 'You like oat milk.'],
    ]);
  });

  it('accepts messages as input and output values, and rejects other shapes', async () => {
    const memory = new MemOSMemory({ mos, userId: 'alice', cubeId: 'alice-notes' });
    await memory.saveContext({ input: [new HumanMessage('My bike is a red Bianchi')] }, { output: new AIMessage('Nice bike!') });
    expect((await memory.loadMemoryVariables({ input: new HumanMessage('Bianchi bike') })).memories).toContain('My bike is a red Bianchi');
    await expect(memory.loadMemoryVariables({ input: 42 })).rejects.toBeInstanceOf(ValidationError);
    await expect(memory.saveContext({ input: 'a', other: 'b' }, { output: 'x' })).rejects.toThrow();
  });
});
