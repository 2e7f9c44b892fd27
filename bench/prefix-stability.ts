/**
 * Prefix-stability benchmark (`npm run bench:prefix`): a scripted 30-turn chat through
 * `memosMiddleware` with `MockLanguageModelV4` capturing each prompt. For every turn, the share of its
 * serialized prompt (JSON of the V4 prompt) that is a byte-identical prefix of the previous turn's
 * prompt: what a provider's prefix cache can reuse. Reports the mean over the last 10 turns (goal
 * >= 0.85) and the share of turns that keep the whole stable block (system + working memory,
 * `providerMetadata.memos.prefixHash`) while the working memory is unchanged (goal 100%), for the
 * two-block layout and, side by side, the layout before issue 10 (`placement: { workingMemory:
 * 'none', retrieved: 'after-system' }`, no floor, assistant replies included). Prints a table and
 * writes JSON to bench/results/prefix-stability.json (or `--out`).
 *
 * Working memory: the runtime's MemScheduler (`mos.scheduler`, admission every turn, stable block
 * rebuilt with amortized doubling: the goals are judged on it), side by side with the same scheduler
 * rebuilding on every change (`rebuildGrowth: 1`) and a scripted working memory (the user's facts,
 * growing at turns 11 and 21).
 * With OPENAI_API_KEY set, also runs the chat against OpenAI (`--openai-model`, default
 * gpt-4o-mini) and reports the provider-reported cached input tokens; skipped without a key.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LanguageModelV4, LanguageModelV4GenerateResult, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { memosMiddleware, type MemosMiddlewareOptions, type WorkingMemoryView } from '@memos-js/ai-sdk';
import { createMemOS, type MemOS, type MemoryItem } from '@memos-js/core';
import { generateText, wrapLanguageModel, type ModelMessage } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { benchArgs, printTable } from './bench-args.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SYSTEM = 'You are a friendly, concise assistant. Answer in one or two sentences.';
const TURNS = 30;
const LAST = 10;

/** The user's side of the scripted chat: facts, questions about them, small talk. */
const SCRIPT: string[] = [
  'Hi! I am Priya, I live in Leeds and I just adopted a beagle called Biscuit.',
  'What breed is good for small flats?',
  'I am allergic to peanuts, by the way.',
  'Can you suggest a quick dinner for tonight?',
  'I work night shifts as a nurse at St James hospital.',
  'How should I plan my sleep around night shifts?',
  'My sister Anika lives in Lisbon and visits in May.',
  'What could we do together in Leeds in spring?',
  'What is my dog called again?',
  'Biscuit keeps chewing my shoes. Any tips?',
  'I started learning Portuguese on Duolingo.',
  'How do I say good morning in Portuguese?',
  'Which snacks are safe for me at the hospital vending machine?',
  'Remind me where my sister lives.',
  'I am thinking of running a 10k in September.',
  'Make me a simple training plan for the 10k.',
  'Can Biscuit come running with me?',
  'What should I pack for a night shift?',
  'I bought a red bicycle to commute.',
  'Is cycling after a night shift a good idea?',
  'My favourite tea is jasmine.',
  'Suggest a calming evening routine.',
  'What do you know about my job?',
  'Any peanut-free dessert ideas for Anika\'s visit?',
  'How far is Lisbon from Leeds by plane?',
  'What was the race I am training for?',
  'Give me a short Portuguese phrase for my sister.',
  'How often should a beagle be walked?',
  'Which tea should I drink before sleeping?',
  'Summarise what you know about me in one sentence.',
];

interface TurnRecord {
  turn: number;
  promptChars: number;
  /** Share of this prompt that is a byte-identical prefix of the previous turn's prompt. */
  reusedShare: number;
  workingMemoryVersion: number | undefined;
  prefixHash: string;
  retrieved: number;
  workingMemory: number;
}

interface LayoutReport {
  layout: string;
  turns: TurnRecord[];
  meanReusedLast10: number;
  /** The same mean over the last 10 turns whose working memory did not change (a change rebuilds the stable block once). */
  meanReusedLast10WmUnchanged: number;
  /** Turns (after the first) whose working memory was unchanged from the previous turn. */
  unchangedTurns: number;
  /** Of those, the share whose stable block (prefix hash) is the previous turn's. */
  stableBlockKept: number;
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

const usage = { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } };
function scriptedAnswer(turn: number): LanguageModelV4GenerateResult {
  // Replies of varied length; every fifth one is a filler acknowledgement.
  const text = turn % 5 === 0 ? 'Noted, I will remember that for next time.' : `Here is my answer number ${turn + 1}: ${'a useful sentence. '.repeat(1 + (turn % 3))}`.trim();
  return { content: [{ type: 'text', text }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
}

async function openMos(rebuildGrowth?: number): Promise<MemOS> {
  const mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, ...(rebuildGrowth !== undefined ? { scheduler: { workingMemory: { rebuildGrowth } } } : {}) });
  await mos.setup();
  await mos.createUser({ id: 'priya', name: 'Priya' });
  await mos.createCube({ userId: 'priya', id: 'chats', name: 'Chats' });
  return mos;
}

/** The working memory: the runtime's scheduler, or a scripted one (the user's facts, growing at turns 11 and 21). */
function workingMemorySource(mos: MemOS, useScheduler: boolean, rebuildGrowth?: number): { source: string; read?: MemosMiddlewareOptions['workingMemory']; onTurn(turn: number): Promise<void> } {
  if (useScheduler) {
    // The middleware reads the scheduler's working memory itself; wait for the previous turn's prefetch.
    return { source: `mos.scheduler${rebuildGrowth !== undefined ? ` (rebuildGrowth ${rebuildGrowth})` : ''}`, onTurn: async () => void (await mos.scheduler.flush({ sessionId: 'bench' })) };
  }
  let view: WorkingMemoryView = { version: 0, entries: [] };
  return {
    source: 'scripted',
    read: async () => (view.entries.length > 0 ? view : undefined),
    async onTurn(turn) {
      if (turn !== 0 && turn !== 10 && turn !== 20) return;
      const { items } = await mos.getAll({ userId: 'priya', cubeIds: ['chats'] });
      const facts: MemoryItem[] = items.filter((item) => item.sources[0]?.role === 'user' && !item.text.includes('?')).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
      if (facts.length === 0) return;
      view = { version: view.version + 1, entries: facts.slice(0, 8).map((item) => ({ item, score: 1, pinned: false })) };
    },
  };
}

async function runLayout(layout: string, options: Partial<MemosMiddlewareOptions>, useScheduler: boolean, model?: LanguageModelV4, rebuildGrowth?: number): Promise<{ report: LayoutReport; usage: { input: number; cached: number }; wm: string }> {
  const mos = await openMos(rebuildGrowth);
  const wm = workingMemorySource(mos, useScheduler, rebuildGrowth);
  let calls = 0;
  const mock = new MockLanguageModelV4({ doGenerate: async (): Promise<LanguageModelV4GenerateResult> => scriptedAnswer(calls++) });
  const middleware = memosMiddleware({
    mos, identity: { userId: 'priya', cubeId: 'chats' },
    ...(wm.read ? { workingMemory: wm.read } : {}),
    ...options,
  });
  const wrapped = wrapLanguageModel({ model: model ?? mock, middleware });
  const prompts: LanguageModelV4Prompt[] = [];
  const history: ModelMessage[] = [];
  const turns: TurnRecord[] = [];
  const totals = { input: 0, cached: 0 };
  let previous = '';
  for (let turn = 0; turn < TURNS; turn++) {
    await wm.onTurn(turn);
    history.push({ role: 'user', content: SCRIPT[turn] ?? `Turn ${turn}` });
    const result = await generateText({
      model: wrapped, instructions: SYSTEM, messages: history, providerOptions: { memos: { sessionId: 'bench' } },
      ...(model ? { maxOutputTokens: 60 } : {}),
    });
    await middleware.flush();
    history.push({ role: 'assistant', content: result.text });
    totals.input += result.usage.inputTokens ?? 0;
    totals.cached += result.usage.inputTokenDetails?.cacheReadTokens ?? 0;
    const captured = model ? undefined : mock.doGenerateCalls.at(-1)?.prompt;
    if (captured) prompts.push(captured);
    const serialized = captured ? JSON.stringify(captured) : '';
    const meta = (result.providerMetadata?.['memos'] ?? {}) as { workingMemoryVersion?: number; prefixHash?: string; retrieved?: string[]; workingMemory?: string[] };
    turns.push({
      turn: turn + 1, promptChars: serialized.length, reusedShare: turn === 0 || serialized.length === 0 ? 0 : commonPrefix(previous, serialized) / serialized.length,
      workingMemoryVersion: meta.workingMemoryVersion, prefixHash: meta.prefixHash ?? '', retrieved: meta.retrieved?.length ?? 0, workingMemory: meta.workingMemory?.length ?? 0,
    });
    previous = serialized;
  }
  await mos.close();
  const last = turns.slice(-LAST);
  const unchanged = turns.slice(1).filter((t, i) => t.workingMemoryVersion === turns[i]?.workingMemoryVersion);
  const kept = unchanged.filter((t) => t.prefixHash === turns[t.turn - 2]?.prefixHash);
  const lastUnchanged = last.filter((t) => unchanged.includes(t));
  return {
    report: {
      layout: `${layout}, wm: ${options.placement?.workingMemory === 'none' ? 'none' : wm.source}`, turns, meanReusedLast10: last.reduce((sum, t) => sum + t.reusedShare, 0) / last.length,
      meanReusedLast10WmUnchanged: lastUnchanged.length === 0 ? 0 : lastUnchanged.reduce((sum, t) => sum + t.reusedShare, 0) / lastUnchanged.length,
      unchangedTurns: unchanged.length, stableBlockKept: unchanged.length === 0 ? 0 : kept.length / unchanged.length,
    },
    usage: totals, wm: wm.source,
  };
}

const OLD: Partial<MemosMiddlewareOptions> = { placement: { workingMemory: 'none', retrieved: 'after-system' }, minScore: 0, assistantWeight: 1 };

async function main(): Promise<void> {
  const args = benchArgs(['openai-model']);
  const started = Date.now();
  const twoBlock = await runLayout('two-block (default)', {}, true);
  const eager = await runLayout('two-block, eager rebuilds', {}, true, undefined, 1);
  const scripted = await runLayout('two-block', {}, false);
  const old = await runLayout('old: one block after system', OLD, false);
  const reports = [twoBlock.report, eager.report, scripted.report, old.report];
  console.log(`prefix stability over a scripted ${TURNS}-turn chat (MockLanguageModelV4); mos.scheduler = the runtime's MemScheduler (default: stable block rebuilt when the chat has doubled; rebuildGrowth 1: on every change); scripted = the user's facts, growing at turns 11 and 21\n`);
  printTable(
    ['layout', `mean reused prefix, last ${LAST} turns`, '… of those with wm unchanged', 'stable block kept (wm unchanged)', 'turns with wm unchanged', 'wm changes', 'mean wm notes', 'mean retrieved', 'mean prompt chars'],
    reports.map((r) => [
      r.layout, r.meanReusedLast10, r.meanReusedLast10WmUnchanged, `${(r.stableBlockKept * 100).toFixed(0)}%`, r.unchangedTurns, TURNS - 1 - r.unchangedTurns,
      r.turns.reduce((s, t) => s + t.workingMemory, 0) / r.turns.length, r.turns.reduce((s, t) => s + t.retrieved, 0) / r.turns.length,
      r.turns.reduce((s, t) => s + t.promptChars, 0) / r.turns.length,
    ]),
  );
  console.log('(the old layout has no working-memory block: its stable block is the system prompt alone)');
  console.log('\nper turn (reused share): two-block (default) | eager rebuilds | old');
  console.log(twoBlock.report.turns.map((t, i) => `${t.turn}:${t.reusedShare.toFixed(2)}|${eager.report.turns[i]?.reusedShare.toFixed(2)}|${old.report.turns[i]?.reusedShare.toFixed(2)}`).join('  '));
  const rebuilt = twoBlock.report.turns.slice(1).filter((t, i) => t.workingMemoryVersion !== twoBlock.report.turns[i]?.workingMemoryVersion).map((t) => t.turn);
  console.log(`\nwith mos.scheduler (default) the stable block changed before turns ${rebuilt.join(', ') || '(none)'}`);

  let openai: Record<string, unknown> = { skipped: 'OPENAI_API_KEY not set' };
  const apiKey = process.env['OPENAI_API_KEY'];
  if (apiKey) {
    const { createOpenAI } = await import('@ai-sdk/openai');
    const modelId = args['openai-model'] ?? 'gpt-4o-mini';
    const provider = createOpenAI({ apiKey });
    const rows: (string | number)[][] = [];
    openai = { model: modelId };
    for (const [name, options] of [['two-block (default)', {}], ['old: one block after system', OLD]] as const) {
      const { usage: u } = await runLayout(name, options, options !== OLD, provider(modelId));
      rows.push([name, u.input, u.cached, u.input === 0 ? 0 : u.cached / u.input]);
      openai[name] = { inputTokens: u.input, cachedInputTokens: u.cached };
    }
    console.log(`\nOpenAI ${modelId}: provider-reported cached input tokens over ${TURNS} turns`);
    printTable(['layout', 'input tokens', 'cached input tokens', 'cached share'], rows);
  } else {
    console.log('\nOpenAI cached input tokens: skipped (OPENAI_API_KEY not set)');
  }

  const out = args.out ?? join(repoRoot, 'bench', 'results', 'prefix-stability.json');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify({ turns: TURNS, lastTurns: LAST, seconds: (Date.now() - started) / 1000, layouts: reports, openai }, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
  const reuseOk = twoBlock.report.meanReusedLast10 >= 0.85;
  const stableOk = twoBlock.report.stableBlockKept === 1;
  console.log(`goal >= 0.85 reused over the last ${LAST} turns: ${reuseOk ? 'met' : 'NOT met'} (${twoBlock.report.meanReusedLast10.toFixed(3)}); goal 100% stable block kept while wm unchanged: ${stableOk ? 'met' : 'NOT met'}`);
  if (!reuseOk || !stableOk) process.exitCode = 1;
}

await main();
