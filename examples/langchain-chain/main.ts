/**
 * LangChain example: a MemOS retriever inside a runnable chain (retriever → prompt → model → parser).
 *
 *   node --conditions=memos-source examples/langchain-chain/main.ts
 *
 * Runs on the embedded default (one SQLite file in ./.memos/, lexical embedder, no servers). Without
 * OPENAI_API_KEY (or without `@langchain/openai` installed) the model is LangChain's fake chat model,
 * answering from the memories it was given; with both, it is `ChatOpenAI` (gpt-4o-mini).
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Document } from '@langchain/core/documents';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda, RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { fakeModel } from '@langchain/core/testing';
import { createMemOS } from '@memos-js/core';
import { MemOSChatMessageHistory, MemOSRetriever, type MemOSDocumentMetadata } from '@memos-js/langchain';

const dataDir = resolve(process.env.MEMOS_DATA_DIR ?? '.memos');
const dbPath = join(dataDir, 'langchain-chain.db');

/** ChatOpenAI when a key and the package are there; otherwise a deterministic offline model. */
async function chooseModel(questions: number): Promise<{ model: BaseChatModel; label: string }> {
  if (process.env.OPENAI_API_KEY) {
    const packageName = '@langchain/openai';
    const openai = (await import(packageName).catch(() => undefined)) as { ChatOpenAI: new (o: { model: string }) => BaseChatModel } | undefined;
    if (openai) return { model: new openai.ChatOpenAI({ model: 'gpt-4o-mini' }), label: 'ChatOpenAI gpt-4o-mini' };
    console.log('OPENAI_API_KEY is set but @langchain/openai is not installed: using the offline model.\n');
  }
  const model = fakeModel();
  const answer = (messages: BaseMessage[]) => {
    const memories = (messages[0]?.text ?? '').split('\n').filter((l) => l.startsWith('- '));
    return new AIMessage(memories.length > 0 ? `(offline model) From memory: ${memories[0]!.slice(2)}` : '(offline model) I have no memory of that.');
  };
  for (let i = 0; i < questions; i += 1) model.respond(answer);
  return { model, label: 'offline fake chat model (@langchain/core/testing)' };
}

async function main(): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) await rm(`${dbPath}${suffix}`, { force: true });
  const mos = createMemOS({ storage: { kind: 'sqlite', path: dbPath } });
  await mos.setup();
  await mos.createUser({ id: 'priya', name: 'Priya' });
  await mos.createCube({ userId: 'priya', id: 'priya-chats', name: 'Chats' });

  // A past conversation, stored through a LangChain chat history: it becomes searchable memory.
  const history = new MemOSChatMessageHistory({ mos, userId: 'priya', cubeId: 'priya-chats', sessionId: 'march', speakers: { human: 'Priya', ai: 'Assistant' } });
  await history.addMessages([
    new HumanMessage('I adopted a beagle called Biscuit last week, my first dog!'),
    new AIMessage('Congratulations! Beagles are great company.'),
    new HumanMessage('He howls whenever I leave, so I started crate training.'),
    new HumanMessage('Also, I am allergic to peanuts, so no peanut treats for me.'),
  ]);
  await mos.add({ userId: 'priya', cubeId: 'priya-chats', text: 'Priya runs the Leeds half marathon every October', memoryType: 'fact' });
  console.log(`MemOS at ${dbPath}: ${(await mos.getAll({ userId: 'priya' })).total} memories\n`);

  const retriever = new MemOSRetriever({ mos, userId: 'priya', topK: 3 });
  const questions = ["What is the name of Priya's dog?", 'Which race does Priya run in October?'];
  const { model, label } = await chooseModel(questions.length);
  console.log(`model: ${label}\n`);

  const formatDocs = (docs: Document<MemOSDocumentMetadata>[]) => docs.map((d) => `- ${d.pageContent}`).join('\n');
  const prompt = ChatPromptTemplate.fromMessages([
    ['system', 'You answer questions about the user from their memories.\nMemories:\n{memories}'],
    ['human', '{question}'],
  ]);
  const chain = RunnableSequence.from([
    { memories: retriever.pipe(RunnableLambda.from(formatDocs)), question: new RunnablePassthrough() },
    prompt,
    model,
    new StringOutputParser(),
  ]);

  for (const question of questions) {
    const docs = await retriever.invoke(question);
    console.log(`question: ${question}`);
    console.log('retrieved memories:');
    docs.forEach((d, i) => {
      const signals = Object.entries(d.metadata.signals).map(([name, s]) => `${name}#${s.rank}`).join(' ');
      console.log(`  ${i + 1}. [${d.metadata.score.toFixed(4)}] ${d.pageContent}   (${d.metadata.memoryType}, ${signals})`);
    });
    console.log(`answer: ${await chain.invoke(question)}\n`);
  }
  await mos.close();
}

await main();
