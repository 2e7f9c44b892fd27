/**
 * LangGraph example: a compiled StateGraph whose long-term memory is MemOS, through `MemOSStore`
 * (LangGraph's `BaseStore`) and the MemOS memory nodes: recall → respond → remember.
 *
 * Identity: the store and the nodes act for the user the SERVER authenticated, never for a
 * `configurable.userId` a client sends. On LangGraph Platform, the auth handler's user arrives in
 * `configurable.langgraph_auth_user` (clients cannot set it); this script plays the server and
 * sets it itself.
 *
 *   node --conditions=memos-source examples/langgraph-agent/main.ts
 *
 * Runs on the embedded default (one SQLite file in ./.memos/, lexical embedder, no servers). Without
 * OPENAI_API_KEY (or without `@langchain/openai` installed) the model is LangChain's fake chat model,
 * answering from the memories in its prompt; with both, it is `ChatOpenAI` (gpt-4o-mini).
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { Annotation, END, MemorySaver, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { createMemOS } from '@memos-js/core';
import type { ScopeSource } from '@memos-js/langchain';
import { createMemoryNode, createRememberNode, MemoriesAnnotation, MemOSStore } from '@memos-js/langchain/langgraph';

const dataDir = resolve(process.env.MEMOS_DATA_DIR ?? '.memos');
const dbPath = join(dataDir, 'langgraph-agent.db');

/** ChatOpenAI when a key and the package are there; otherwise a deterministic offline model. */
async function chooseModel(turns: number): Promise<{ model: BaseChatModel; label: string }> {
  if (process.env.OPENAI_API_KEY) {
    const packageName = '@langchain/openai';
    const openai = (await import(packageName).catch(() => undefined)) as { ChatOpenAI: new (o: { model: string }) => BaseChatModel } | undefined;
    if (openai) return { model: new openai.ChatOpenAI({ model: 'gpt-4o-mini' }), label: 'ChatOpenAI gpt-4o-mini' };
    console.log('OPENAI_API_KEY is set but @langchain/openai is not installed: using the offline model.\n');
  }
  const model = fakeModel();
  const answer = (messages: BaseMessage[]) => {
    const memories = (messages[0]?.text ?? '').split('\n').filter((l) => l.startsWith('- '));
    return new AIMessage(memories.length > 0 ? `(offline model) I remember: ${memories[0]!.slice(2)}` : '(offline model) Noted, I will remember that.');
  };
  for (let i = 0; i < turns; i += 1) model.respond(answer);
  return { model, label: 'offline fake chat model (@langchain/core/testing)' };
}

const State = Annotation.Root({ ...MessagesAnnotation.spec, ...MemoriesAnnotation.spec });

/** Who a run is for: the user the platform authenticated (each user writes to their own `<id>-agent` cube). */
function identity({ configurable }: ScopeSource): { userId: string; cubeId: string } | undefined {
  const user = configurable?.['langgraph_auth_user'] as { identity?: unknown } | undefined;
  return typeof user?.identity === 'string' ? { userId: user.identity, cubeId: `${user.identity}-agent` } : undefined;
}

async function main(): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) await rm(`${dbPath}${suffix}`, { force: true });
  const mos = createMemOS({ storage: { kind: 'sqlite', path: dbPath } });
  await mos.setup();
  await mos.createUser({ id: 'sam', name: 'Sam' });
  await mos.createCube({ userId: 'sam', id: 'sam-agent', name: 'Agent memory' });
  const store = new MemOSStore({ mos, identity });

  const turns = ['I am vegetarian and I love spicy Thai food.', 'Which food should I cook for dinner tonight?'];
  const { model, label } = await chooseModel(turns.length);
  console.log(`MemOS at ${dbPath}; model: ${label}\n`);

  const respond = async (state: typeof State.State) => {
    const memories = state.memories.map((m) => `- ${m.text}`).join('\n');
    const system = new SystemMessage(`You are a helpful assistant.${memories ? `\nWhat you remember about the user:\n${memories}` : ''}`);
    return { messages: [await model.invoke([system, ...state.messages])] };
  };
  const graph = new StateGraph(State)
    .addNode('recall', createMemoryNode({ identity, limit: 3 }))
    .addNode('respond', respond)
    .addNode('remember', createRememberNode({ identity }))
    .addEdge(START, 'recall')
    .addEdge('recall', 'respond')
    .addEdge('respond', 'remember')
    .addEdge('remember', END)
    .compile({ checkpointer: new MemorySaver(), store });

  for (const [i, text] of turns.entries()) {
    // Each turn is a new thread: what carries over is MemOS long-term memory, not the checkpoint.
    const result = await graph.invoke({ messages: [new HumanMessage(text)] }, { configurable: { thread_id: `thread-${i + 1}`, langgraph_auth_user: { identity: 'sam' } } });
    console.log(`turn ${i + 1} (thread-${i + 1})`);
    console.log(`  user: ${text}`);
    console.log(`  retrieved memories:${result.memories.length === 0 ? ' (none)' : ''}`);
    for (const m of result.memories) console.log(`    - [${m.score?.toFixed(4) ?? '-'}] ${m.text}   (namespace ${m.namespace.join('/')}, key ${m.key.slice(0, 8)})`);
    console.log(`  assistant: ${result.messages.at(-1)?.text}\n`);
  }

  // Outside a run, bind the store to a run of the user (an unbound store has no user: it refuses).
  const samStore = store.forRun({ configurable: { langgraph_auth_user: { identity: 'sam' } } });
  const namespaces = await samStore.listNamespaces();
  const stored = await samStore.search(['memories', 'sam'], { limit: 10 });
  console.log(`store namespaces: ${JSON.stringify(namespaces)}`);
  console.log(`store items in memories/sam: ${stored.length}`);
  const { items } = await mos.getAll({ userId: 'sam', filter: { tagsAny: ['langgraph'] } });
  console.log('as MemOS memories:');
  for (const item of items) console.log(`  - ${item.text}   (v${item.version}, ${item.memoryType}, created ${item.createdAt})`);
  await mos.close();
}

await main();
