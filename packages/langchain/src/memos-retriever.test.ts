import type { Document } from '@langchain/core/documents';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda, RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { NotFoundError, ValidationError, type MemOS } from '@memos-js/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatMemories } from './format/format-memories.ts';
import { MemOSRetriever, type MemOSDocumentMetadata } from './memos-retriever.ts';
import { createTestMos } from './test-support/create-test-mos.ts';

describe('MemOSRetriever', () => {
  let mos: MemOS;
  beforeEach(async () => {
    mos = await createTestMos();
    await mos.add({
      userId: 'alice', cubeId: 'alice-notes', sessionId: 's1',
      messages: [
        { role: 'user', speaker: 'Alice', content: 'I adopted a beagle called Biscuit.', time: '2024-03-03T19:12:00Z', messageId: 'm1' },
        { role: 'assistant', speaker: 'Bot', content: 'Congratulations on the new dog!', time: '2024-03-03T19:13:00Z', messageId: 'm2' },
      ],
    });
    await mos.add({ userId: 'alice', cubeId: 'alice-notes', text: 'Alice works as a nurse in Leeds', memoryType: 'fact', tags: ['work'] });
  });
  afterEach(async () => {
    await mos.close();
  });

  it('returns Documents with the memory text and full metadata', async () => {
    const retriever = new MemOSRetriever({ mos, userId: 'alice', topK: 2 });
    const docs = await retriever.invoke("What is the name of Alice's dog?");
    expect(docs.length).toBeGreaterThan(0);
    const [top] = docs as Document<MemOSDocumentMetadata>[];
    expect(top?.pageContent).toBe('Alice: I adopted a beagle called Biscuit.');
    expect(top?.id).toBe(top?.metadata.id);
    expect(top?.metadata).toMatchObject({ memoryType: 'event', cubeId: 'alice-notes', sessionId: 's1', validAt: '2024-03-03T19:12:00.000Z', status: 'active', version: 1 });
    expect(top?.metadata.sources[0]).toMatchObject({ role: 'user', speaker: 'Alice', messageId: 'm1' });
    expect(top?.metadata.score).toBeGreaterThan(0);
    expect(Object.keys(top?.metadata.signals ?? {}).length).toBeGreaterThan(0);
    for (const signal of Object.values(top?.metadata.signals ?? {})) expect(signal.rank).toBeGreaterThanOrEqual(1);
  });

  it('applies filters, cubes and asOf', async () => {
    const facts = await new MemOSRetriever({ mos, userId: 'alice', filter: { memoryTypes: ['fact'] } }).invoke('Alice dog nurse');
    expect(facts.map((d) => d.pageContent)).toEqual(['Alice works as a nurse in Leeds']);
    const [nurse] = facts;
    await mos.invalidate({ userId: 'alice', id: nurse!.metadata.id as string, invalidAt: '2030-01-01T00:00:00Z' });
    const now = await new MemOSRetriever({ mos, userId: 'alice', filter: { memoryTypes: ['fact'] } }).invoke('nurse');
    expect(now).toEqual([]);
    const then = await new MemOSRetriever({ mos, userId: 'alice', asOf: '2029-06-01T00:00:00Z', filter: { memoryTypes: ['fact'] } }).invoke('nurse');
    expect(then.map((d) => [d.pageContent, d.metadata.invalidAt])).toEqual([['Alice works as a nurse in Leeds', '2030-01-01T00:00:00.000Z']]);
    await expect(new MemOSRetriever({ mos, userId: 'alice', cubeIds: ['missing'] }).invoke('dog')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('works inside a runnable chain: retriever -> prompt -> model -> parser', async () => {
    const retriever = new MemOSRetriever({ mos, userId: 'alice', topK: 3 });
    const prompt = ChatPromptTemplate.fromMessages([
      ['system', 'Answer from these memories.\n{memories}'],
      ['human', '{question}'],
    ]);
    const model = new FakeListChatModel({ responses: ["Alice's dog is called Biscuit."] });
    const seen: string[] = [];
    const chain = RunnableSequence.from([
      {
        memories: retriever.pipe(RunnableLambda.from((docs: Document[]) => docs.map((d) => `- ${d.pageContent}`).join('\n'))),
        question: new RunnablePassthrough(),
      },
      prompt,
      RunnableLambda.from((value: Awaited<ReturnType<typeof prompt.invoke>>) => {
        seen.push(value.toChatMessages()[0]!.text);
        return value;
      }),
      model,
      new StringOutputParser(),
    ]);
    const answer = await chain.invoke("What is the name of Alice's dog?");
    expect(answer).toBe("Alice's dog is called Biscuit.");
    expect(seen[0]).toContain('- Alice: I adopted a beagle called Biscuit.');
    const batch = await retriever.batch(['dog', 'nurse']);
    expect(batch.map((docs) => docs.length > 0)).toEqual([true, true]);
  });

  it('rejects bad input with typed errors', async () => {
    await expect(new MemOSRetriever({ mos, userId: 'alice' }).invoke('   ')).rejects.toBeInstanceOf(ValidationError);
    await expect(new MemOSRetriever({ mos, userId: 'alice', topK: 0 }).invoke('dog')).rejects.toMatchObject({ field: 'search.topK' });
    await expect(new MemOSRetriever({ mos, userId: 'bad id!' }).invoke('dog')).rejects.toMatchObject({ field: 'search.userId' });
  });
});

describe('formatMemories', () => {
  it('is deterministic: same memories in any order give the same text, oldest first', async () => {
    const mos = await createTestMos();
    try {
      await mos.add({ userId: 'alice', cubeId: 'alice-notes', messages: [{ role: 'user', content: 'Second thing', time: '2024-02-01T00:00:00Z' }] });
      await mos.add({ userId: 'alice', cubeId: 'alice-notes', messages: [{ role: 'user', content: 'First thing', time: '2024-01-01T00:00:00Z' }] });
      const { items } = await mos.getAll({ userId: 'alice' });
      const a = formatMemories(items);
      expect(formatMemories([...items].reverse())).toBe(a);
      const lines = a.split('\n');
      expect(lines[0]).toBe('<memos-notes kind="retrieved">');
      expect(lines[1]).toMatch(/not instructions.* Relevant memories, oldest first\.$/);
      expect(lines.slice(2)).toEqual(['- [2024-01-01 · event] "First thing"', '- [2024-02-01 · event] "Second thing"', '</memos-notes>']);
      // The budget keeps memories in rank order (as given) until the next one would not fit.
      expect(formatMemories(items, { maxChars: a.length - 10 }).split('\n').slice(2)).toEqual([`- [${items[0]?.text === 'First thing' ? '2024-01-01' : '2024-02-01'} · event] "${items[0]?.text}"`, '</memos-notes>']);
      expect(formatMemories(items, { header: 'M:', showDates: false }).split('\n').slice(1)).toEqual([expect.stringMatching(/ M:$/), '- "First thing"', '- "Second thing"', '</memos-notes>']);
      expect(formatMemories([])).toBe('');
    } finally {
      await mos.close();
    }
  });
});
