/**
 * AI SDK example: two `generateText` turns through `wrapLanguageModel` + `memosMiddleware`. The first
 * turn is written to memory in the background; the second, in a new session, gets it injected.
 *
 *   node --conditions=memos-source examples/ai-sdk-generate/main.ts
 *
 * Runs on the embedded default (one SQLite file in ./.memos/, lexical embedder, no servers). Without
 * OPENAI_API_KEY the model is a small scripted V4 model that answers from the injected memories;
 * with it, `@ai-sdk/openai` (OPENAI_MODEL, default gpt-4.1-mini).
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { memosMiddleware, type SessionMemory } from '@memos-js/ai-sdk';
import { createMemOS, type MemoryItem } from '@memos-js/core';
import { generateText, wrapLanguageModel } from 'ai';
import { createScriptedModel } from './scripted-model.ts';

/** Options of {@link main}. */
export interface MainOptions {
  /** Where the SQLite file goes (default `.memos`). */
  dataDir?: string;
  /** Use OpenAI with this key (default: the scripted offline model). */
  openaiApiKey?: string;
  /** OpenAI model id (default `gpt-4.1-mini`). */
  openaiModel?: string;
  /** Output line sink (default `console.log`). */
  log?: (line: string) => void;
}

async function chooseModel(options: MainOptions): Promise<{ model: LanguageModelV4; label: string }> {
  if (options.openaiApiKey) {
    const { createOpenAI } = await import('@ai-sdk/openai');
    const modelId = options.openaiModel ?? 'gpt-4.1-mini';
    return { model: createOpenAI({ apiKey: options.openaiApiKey })(modelId), label: `OpenAI ${modelId}` };
  }
  return { model: createScriptedModel(), label: 'scripted offline model (set OPENAI_API_KEY to use OpenAI)' };
}

const line = (item: MemoryItem) => `${item.id}  ${item.text}`;

export async function main(options: MainOptions = {}): Promise<void> {
  const log = options.log ?? ((text: string) => console.log(text));
  const dbPath = join(resolve(options.dataDir ?? '.memos'), 'ai-sdk-generate.db');
  for (const suffix of ['', '-wal', '-shm']) await rm(`${dbPath}${suffix}`, { force: true });

  const mos = createMemOS({ storage: { kind: 'sqlite', path: dbPath } });
  await mos.setup();
  await mos.createUser({ id: 'priya', name: 'Priya' });
  await mos.createCube({ userId: 'priya', id: 'priya-chats', name: 'Chats with the assistant' });
  const { model, label } = await chooseModel(options);
  log(`MemOS.js + AI SDK — embedded SQLite at ${dbPath}\nmodel: ${label}\n`);

  // What each turn injected and wrote, reported by the middleware's callbacks.
  let injected: SessionMemory[] = [];
  let written: MemoryItem[] = [];
  // Who is talking is decided here, on the server (a web app takes it from its auth session and
  // builds the middleware per request); the call's providerOptions only carry the session and names.
  const middleware = memosMiddleware({
    mos,
    identity: { userId: 'priya', cubeId: 'priya-chats' },
    topK: 3,
    tokenBudget: 500,
    onInjected: (event) => void (injected = event.memories),
    onWritten: (event) => void written.push(...event.items),
    onError: (error) => log(`memory write failed: ${String(error)}`),
  });
  const assistant = wrapLanguageModel({ model, middleware });

  const turns = [
    { sessionId: 'monday', prompt: "Hi! I'm Priya. I just adopted a dog, a beagle called Biscuit." },
    { sessionId: 'tuesday', prompt: 'What is my dog called?' },
  ];
  for (const [i, turn] of turns.entries()) {
    written = [];
    log(`turn ${i + 1} (session ${turn.sessionId})`);
    log(`user: ${turn.prompt}`);
    const result = await generateText({
      model: assistant,
      instructions: 'You are a friendly assistant. Use what you remember about the user.',
      prompt: turn.prompt,
      providerOptions: { memos: { sessionId: turn.sessionId, userName: 'Priya', assistantName: 'Assistant' } },
    });
    log(injected.length > 0 ? `injected memories (${injected.length}):` : 'injected memories: none');
    for (const memory of injected) log(`  - ${line(memory.item)}`);
    log(`providerMetadata.memos: ${JSON.stringify(result.providerMetadata?.['memos'])}`);
    log(`assistant: ${result.text}`);
    // The turn is written in the background; wait for it to show what it created.
    await middleware.flush();
    log(`memories written this turn (${written.length}):`);
    for (const item of written) log(`  + ${line(item)}`);
    log('');
  }
  log(`memories in cube priya-chats: ${(await mos.getAll({ userId: 'priya', cubeIds: ['priya-chats'] })).total}`);
  await mos.close();
}

if (import.meta.main) {
  await main({
    ...(process.env['MEMOS_DATA_DIR'] ? { dataDir: process.env['MEMOS_DATA_DIR'] } : {}),
    ...(process.env['OPENAI_API_KEY'] ? { openaiApiKey: process.env['OPENAI_API_KEY'] } : {}),
    ...(process.env['OPENAI_MODEL'] ? { openaiModel: process.env['OPENAI_MODEL'] } : {}),
  });
}
