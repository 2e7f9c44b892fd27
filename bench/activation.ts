/**
 * `npm run bench:activation`: activation memory for local models. For stable memory prefixes of
 * about 256, 1k and 2k tokens, side by side in one run on CPU with one thread:
 * - cold: `createLlamaCppLanguageModel` with an empty `activationCache` folder evaluates the prefix
 *   (then saves its state) and answers;
 * - restored: a second model instance over the same folder restores the saved KV state from its file
 *   and evaluates only the question;
 * - plain: the model without an activation cache (the prompt tokenized as one text).
 * Prints prefill time (cold: evaluating the prefix; restored: header check + state file read +
 * token check), time to first token, their ratios, and whether the greedy answer tokens are identical
 * with and without the restored state; writes JSON to bench/results/activation.json. Runs the real
 * SmolLM2-135M-Instruct (fetched by the project when missing) and stories260K when
 * `$MEMOS_MODELS_DIR` or `../shared/models` has it. Exits 1 when a restored answer differs.
 */
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LanguageModelV4Prompt } from '@ai-sdk/provider';
import { benchArgs, printTable } from './bench-args.ts';
import { testModelPath } from '../test/models.ts';
import type { ActivationEvent } from '../packages/ai-sdk/src/llama-cpp/activation-cache.ts';
import { createLlamaCppLanguageModel, type LlamaCppLanguageModel } from '../packages/ai-sdk/src/llama-cpp/create-llama-cpp-language-model.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = [256, 1024, 2048];
const ANSWER_TOKENS = 24;

interface Row {
  model: string;
  targetTokens: number;
  prefixTokens: number;
  promptTokens: number;
  stateBytes: number;
  coldPrefillMs: number;
  saveMs: number;
  restoredPrefillMs: number;
  prefillReduction: number;
  plainTtftMs: number;
  coldTtftMs: number;
  restoredTtftMs: number;
  ttftRatio: number;
  restoredEvaluatedTokens: number;
  identical: boolean;
  identicalToPlain: boolean;
  answer: string;
}

function notes(size: number, lines: number): string {
  const colours = ['red', 'blue', 'green', 'yellow', 'white', 'black', 'orange', 'purple'];
  const body = Array.from({ length: lines }, (_, i) => `- Note ${i + 1}: item ${i + 1} of the ${size}-token set is the ${colours[i % colours.length]} box on shelf ${(i * 7) % 13}.`);
  return `You are a helpful assistant. Working memory for prefix size ${size} (recalled notes, data only):\n${body.join('\n')}`;
}

function prompt(system: string): LanguageModelV4Prompt {
  return [{ role: 'system', content: system }, { role: 'user', content: [{ type: 'text', text: 'Which shelf holds item 3?' }] }];
}

/** Streams one answer; returns the time to the first text delta, the text and the usage. */
async function timed(model: LlamaCppLanguageModel, system: string) {
  const started = performance.now();
  const { stream } = await model.doStream({ prompt: prompt(system), maxOutputTokens: ANSWER_TOKENS, temperature: 0 });
  let first = Number.NaN;
  let text = '';
  let evaluated = 0;
  let total = 0;
  for await (const part of stream) {
    if (part.type === 'text-delta') {
      if (Number.isNaN(first)) first = performance.now() - started;
      text += part.delta;
    } else if (part.type === 'finish') {
      evaluated = part.usage.inputTokens.noCache ?? 0;
      total = part.usage.inputTokens.total ?? 0;
    } else if (part.type === 'error') throw part.error;
  }
  return { ttftMs: first, text, evaluated, total };
}

async function benchModel(name: string, modelPath: string, trainContext: number | undefined): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'memos-bench-activation-'));
  const events: ActivationEvent[] = [];
  const contextSize = Math.min(trainContext ?? 4096, 4096);
  const common = { modelPath, gpu: false as const, threads: 1, contextSize, maxTokens: ANSWER_TOKENS };
  const cold = createLlamaCppLanguageModel({ ...common, activationCache: { dir, maxBytes: 2 ** 32 }, onEvent: (e) => events.push(e) });
  const restored = createLlamaCppLanguageModel({ ...common, activationCache: { dir, maxBytes: 2 ** 32 }, onEvent: (e) => events.push(e) });
  const plain = createLlamaCppLanguageModel(common);
  const rows: Row[] = [];
  try {
    await Promise.all([cold.setup(), restored.setup(), plain.setup()]);
    for (const size of SIZES) {
      // LlamaCompletion keeps a tenth of the context free for context shifts: the prompt must fit in the rest.
      const limit = contextSize - Math.floor(contextSize / 10) - 64;
      const target = Math.min(size, limit - 32);
      // The smallest working-memory block of at least `target` tokens (counted on a throw-away build).
      let lines = 1;
      let system = notes(size, lines);
      for (;;) {
        const warm = await cold.countTokens(`${system}\n\n`);
        if (warm >= target) break;
        lines += Math.max(1, Math.floor(((target - warm) * lines) / warm));
        system = notes(size, lines);
      }
      while (lines > 1 && (await cold.countTokens(`${system}\n\n`)) > limit) system = notes(size, --lines);
      const plainRun = await timed(plain, system);
      events.length = 0;
      const coldRun = await timed(cold, system);
      const build = events.find((e) => e.type === 'cache-build');
      events.length = 0;
      const restoredRun = await timed(restored, system);
      const hit = events.find((e) => e.type === 'cache-hit');
      if (build?.type !== 'cache-build' || hit?.type !== 'cache-hit' || hit.source !== 'file') throw new Error(`${name} ${size}: expected a build then a file hit, got ${JSON.stringify(events)}`);
      const row: Row = {
        model: name, targetTokens: size, prefixTokens: build.tokens, promptTokens: coldRun.total, stateBytes: build.bytes,
        coldPrefillMs: build.evaluateMs, saveMs: build.saveMs, restoredPrefillMs: hit.ms, prefillReduction: 1 - hit.ms / build.evaluateMs,
        plainTtftMs: plainRun.ttftMs, coldTtftMs: coldRun.ttftMs, restoredTtftMs: restoredRun.ttftMs, ttftRatio: coldRun.ttftMs / restoredRun.ttftMs,
        restoredEvaluatedTokens: restoredRun.evaluated, identical: restoredRun.text === coldRun.text, identicalToPlain: plainRun.text === coldRun.text,
        answer: restoredRun.text,
      };
      rows.push(row);
      console.log(`${name} ${row.prefixTokens} tokens: prefill ${row.coldPrefillMs.toFixed(0)} ms cold, ${row.restoredPrefillMs.toFixed(1)} ms restored; TTFT ${row.coldTtftMs.toFixed(0)} -> ${row.restoredTtftMs.toFixed(0)} ms; identical ${row.identical}`);
    }
  } finally {
    await Promise.all([cold.close(), restored.close(), plain.close()]);
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

async function tinyModel(): Promise<string | undefined> {
  const dirs = [process.env['MEMOS_MODELS_DIR'], join(repoRoot, '..', 'shared', 'models')].filter((d): d is string => typeof d === 'string' && d.length > 0);
  for (const dir of dirs) {
    const path = join(resolve(dir), 'stories260K.gguf');
    try {
      await access(path);
      return path;
    } catch {
      // not there
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  const args = benchArgs([]);
  const started = performance.now();
  const rows = await benchModel('SmolLM2-135M-Instruct.Q4_1', await testModelPath('smollm2'), 8192);
  const tiny = await tinyModel();
  if (tiny) rows.push(...(await benchModel('stories260K', tiny, 2048)));
  printTable(
    ['model', 'prefix tok', 'state MB', 'cold prefill ms', 'restore ms', 'prefill saved', 'plain TTFT ms', 'cold TTFT ms', 'restored TTFT ms', 'TTFT ratio', 'evaluated after restore', 'identical'],
    rows.map((r) => [r.model, r.prefixTokens, r.stateBytes / 2 ** 20, r.coldPrefillMs, r.restoredPrefillMs, `${(r.prefillReduction * 100).toFixed(2)}%`, r.plainTtftMs, r.coldTtftMs, r.restoredTtftMs, `${r.ttftRatio.toFixed(1)}x`, r.restoredEvaluatedTokens, r.identical ? 'yes' : 'NO']),
  );
  const out = resolve(args.out ?? join(repoRoot, 'bench', 'results', 'activation.json'));
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify({ benchmark: 'activation', date: new Date().toISOString(), threads: 1, gpu: false, answerTokens: ANSWER_TOKENS, wallSeconds: (performance.now() - started) / 1000, rows }, null, 2)}\n`);
  console.log(`\nwrote ${out} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (rows.some((r) => !r.identical)) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
