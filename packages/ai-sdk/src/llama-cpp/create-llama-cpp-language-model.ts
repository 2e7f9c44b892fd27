import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import type {
  LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4FinishReason, LanguageModelV4GenerateResult, LanguageModelV4StreamPart,
  LanguageModelV4StreamResult, LanguageModelV4Usage, SharedV4Warning,
} from '@ai-sdk/provider';
import { ClosedError, DependencyFailedError, ModelCallError, ValidationError } from '@memos-js/core';
import type { LlamaCompletion, LlamaCompletionGenerationOptions, LlamaCompletionResponse, LlamaGrammar } from 'node-llama-cpp';
import { loadNodeLlamaCpp } from './load-node-llama-cpp.ts';
import { DEFAULT_PROMPT_LABELS, promptToText, type PromptLabels } from './prompt-to-text.ts';

/** Options of {@link createLlamaCppLanguageModel}. */
export interface LlamaCppLanguageModelOptions {
  /** Path of a GGUF model file. */
  modelPath: string;
  /** Model id reported to the AI SDK (default: the file name without `.gguf`). */
  modelId?: string;
  /** Context size in tokens (default: the model's training context, at most 4096). */
  contextSize?: number;
  /** Sampling temperature when a call sets none (default 0: greedy, deterministic). */
  temperature?: number;
  /** Sampling seed when a call sets none (only matters with temperature > 0). */
  seed?: number;
  /** Most tokens generated when a call sets no `maxOutputTokens` (default 256). */
  maxTokens?: number;
  /** GPU backend (default `'auto'`: use one if the prebuilt binaries support it, else CPU). */
  gpu?: 'auto' | false | 'cuda' | 'vulkan' | 'metal';
  /** CPU threads (default: node-llama-cpp's choice; tiny models on a busy machine run best with 1). */
  threads?: number;
  /** Role labels of the plain-text prompt (default `User` / `Assistant` / `Tool`). */
  labels?: PromptLabels;
}

/** A V4 language model running locally on node-llama-cpp. */
export type LlamaCppLanguageModel = LanguageModelV4 & {
  /** Loads the model (idempotent; the first call does it otherwise). */
  setup(): Promise<void>;
  /** Frees the model, context and native resources; later calls throw `ClosedError`. */
  close(): Promise<void>;
};

interface Loaded {
  completion: LlamaCompletion;
  tokenCount(text: string): number;
  meter(): { usedInputTokens: number; usedOutputTokens: number };
  /** A grammar for the JSON response format, and a warning when the schema could not be enforced. */
  jsonGrammar(schema: unknown): Promise<{ grammar: LlamaGrammar; warning?: SharedV4Warning }>;
  dispose(): Promise<void>;
}

interface RunHooks {
  /** Called once, before the first text, with the call's warnings. */
  onStart(warnings: SharedV4Warning[]): void;
  onText(delta: string): void;
}

interface RunResult {
  finishReason: LanguageModelV4FinishReason;
  usage: LanguageModelV4Usage;
}

const FEATURE = 'createLlamaCppLanguageModel';

/**
 * A V4 `LanguageModel` over node-llama-cpp (an optional peer dependency, imported on first use),
 * for `generateText` / `streamText` and the memory middleware with local GGUF models. The prompt
 * is rendered as plain text with role labels ({@link promptToText}), so it also works with models
 * without a chat template (e.g. stories260K), and completed with `LlamaCompletion`, stopping at the
 * next `\nUser:` label. Calls run one at a time on one context sequence, which reuses the evaluated
 * prefix shared with the previous call (reported as `usage.inputTokens.cacheRead`). A JSON
 * `responseFormat` is enforced with a grammar (from its schema when node-llama-cpp supports it).
 * Tools are not supported (reported as a warning). Nothing is loaded until the first call.
 */
export function createLlamaCppLanguageModel(options: LlamaCppLanguageModelOptions): LlamaCppLanguageModel {
  if (typeof options.modelPath !== 'string' || options.modelPath.length === 0) throw new ValidationError(`${FEATURE}.modelPath`, 'must be a non-empty path');
  positiveInteger('contextSize', options.contextSize);
  positiveInteger('maxTokens', options.maxTokens);
  const labels = options.labels ?? DEFAULT_PROMPT_LABELS;
  const modelId = options.modelId ?? basename(options.modelPath).replace(/\.gguf$/i, '');
  let loading: Promise<Loaded> | undefined;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();

  function load(): Promise<Loaded> {
    if (closed) return Promise.reject(new ClosedError(`llama-cpp model ${modelId}`, 'closed'));
    loading ??= loadModel(options).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  }

  /** Runs one completion, serialised with every other call of this model. */
  function run(call: LanguageModelV4CallOptions, hooks: RunHooks, signal: AbortSignal | undefined): Promise<RunResult> {
    const task = queue.then(async () => {
      signal?.throwIfAborted();
      const loaded = await load();
      const text = promptToText(call.prompt, labels);
      const promptTokens = loaded.tokenCount(text);
      const before = loaded.meter();
      let leading = true;
      const seed = call.seed ?? options.seed;
      const generation: LlamaCompletionGenerationOptions = {
        maxTokens: call.maxOutputTokens ?? options.maxTokens ?? 256,
        temperature: call.temperature ?? options.temperature ?? 0,
        onTextChunk(chunk) {
          // Drop the whitespace between the `Assistant:` label and the answer.
          const delta = leading ? chunk.trimStart() : chunk;
          if (delta.length === 0) return;
          leading = false;
          hooks.onText(delta);
        },
        ...(seed !== undefined ? { seed } : {}),
        ...(call.topK !== undefined ? { topK: call.topK } : {}),
        ...(call.topP !== undefined ? { topP: call.topP } : {}),
        ...(call.presencePenalty !== undefined || call.frequencyPenalty !== undefined
          ? { repeatPenalty: { ...(call.presencePenalty !== undefined ? { presencePenalty: call.presencePenalty } : {}), ...(call.frequencyPenalty !== undefined ? { frequencyPenalty: call.frequencyPenalty } : {}) } }
          : {}),
        ...(signal ? { signal } : {}),
      };
      const warnings = warningsFor(call);
      if (call.responseFormat?.type === 'json') {
        const { grammar, warning } = await loaded.jsonGrammar(call.responseFormat.schema);
        generation.grammar = grammar;
        if (warning) warnings.push(warning);
      } else {
        generation.customStopTriggers = [`\n${labels.user}:`, ...(call.stopSequences ?? [])];
      }
      hooks.onStart(warnings);
      let response: LlamaCompletionResponse;
      try {
        response = await loaded.completion.generateCompletionWithMeta(text, generation);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw new ModelCallError(modelId, `llama-cpp generation with ${modelId} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
      const after = loaded.meter();
      const evaluated = Math.max(0, Math.min(promptTokens, after.usedInputTokens - before.usedInputTokens));
      const outputTokens = after.usedOutputTokens - before.usedOutputTokens;
      return {
        finishReason: finishReasonOf(response.metadata.stopReason),
        usage: {
          inputTokens: { total: promptTokens, noCache: evaluated, cacheRead: promptTokens - evaluated, cacheWrite: undefined },
          outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
        },
      };
    });
    queue = task.catch(() => undefined);
    return task;
  }

  const model: LlamaCppLanguageModel = {
    specificationVersion: 'v4',
    provider: 'llama-cpp',
    modelId,
    supportedUrls: {},

    async doGenerate(call: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
      let text = '';
      let warnings: SharedV4Warning[] = [];
      const result = await run(call, { onStart: (w) => (warnings = w), onText: (delta) => (text += delta) }, call.abortSignal);
      return {
        content: text.length > 0 ? [{ type: 'text', text }] : [],
        finishReason: result.finishReason,
        usage: result.usage,
        warnings,
        response: { modelId },
      };
    },

    async doStream(call: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
      const abort = new AbortController();
      const signal = call.abortSignal ? AbortSignal.any([call.abortSignal, abort.signal]) : abort.signal;
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        start(controller) {
          let started = false;
          const hooks: RunHooks = {
            onStart(warnings) {
              controller.enqueue({ type: 'stream-start', warnings });
              controller.enqueue({ type: 'response-metadata', modelId });
            },
            onText(delta) {
              if (abort.signal.aborted) return;
              if (!started) {
                started = true;
                controller.enqueue({ type: 'text-start', id: 'text-0' });
              }
              controller.enqueue({ type: 'text-delta', id: 'text-0', delta });
            },
          };
          run(call, hooks, signal).then(
            (result) => {
              if (abort.signal.aborted) return;
              if (started) controller.enqueue({ type: 'text-end', id: 'text-0' });
              controller.enqueue({ type: 'finish', finishReason: result.finishReason, usage: result.usage });
              controller.close();
            },
            (error: unknown) => {
              if (abort.signal.aborted) return;
              controller.enqueue({ type: 'error', error });
              controller.close();
            },
          );
        },
        cancel(reason) {
          abort.abort(reason);
        },
      });
      return { stream };
    },

    async setup() {
      await load();
    },

    async close() {
      if (closed) return;
      closed = true;
      await queue;
      const pending = loading;
      loading = undefined;
      if (pending) await (await pending.catch(() => undefined))?.dispose();
    },
  };
  return model;
}

async function loadModel(options: LlamaCppLanguageModelOptions): Promise<Loaded> {
  try {
    await access(options.modelPath);
  } catch (error) {
    throw new ValidationError(`${FEATURE}.modelPath`, `cannot read ${JSON.stringify(options.modelPath)}`, { cause: error });
  }
  const { getLlama, LlamaCompletion, LlamaLogLevel } = await loadNodeLlamaCpp(FEATURE);
  let llama: Awaited<ReturnType<typeof getLlama>>;
  try {
    llama = await getLlama({ gpu: options.gpu ?? 'auto', build: 'never', logLevel: LlamaLogLevel.error });
  } catch (error) {
    // No usable native binary for this machine (node-llama-cpp is installed but cannot run).
    throw new DependencyFailedError('node-llama-cpp', FEATURE, (error as Error)?.message ?? String(error), { cause: error });
  }
  try {
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const context = await model.createContext({
      contextSize: options.contextSize ?? Math.min(model.trainContextSize, 4096),
      sequences: 1,
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
    });
    const sequence = context.getSequence();
    const completion = new LlamaCompletion({ contextSequence: sequence });
    return {
      completion,
      tokenCount: (text) => model.tokenize(text).length,
      meter: () => sequence.tokenMeter.getState(),
      async jsonGrammar(schema) {
        if (schema === undefined) return { grammar: await llama.getGrammarFor('json') };
        try {
          return { grammar: await llama.createGrammarForJsonSchema(schema as Parameters<typeof llama.createGrammarForJsonSchema>[0]) };
        } catch (error) {
          // A schema node-llama-cpp's GBNF converter does not support: any JSON value, with a warning.
          const details = `schema not enforced (${(error as Error)?.message ?? String(error)}); output is constrained to JSON only`;
          return { grammar: await llama.getGrammarFor('json'), warning: { type: 'compatibility', feature: 'responseFormat.schema', details } };
        }
      },
      async dispose() {
        completion.dispose();
        await context.dispose();
        await model.dispose();
        await llama.dispose();
      },
    };
  } catch (error) {
    await llama.dispose();
    throw new ModelCallError(basename(options.modelPath), `Loading ${options.modelPath} with node-llama-cpp failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

function finishReasonOf(stopReason: LlamaCompletionResponse['metadata']['stopReason']): LanguageModelV4FinishReason {
  switch (stopReason) {
    case 'maxTokens':
      return { unified: 'length', raw: stopReason };
    case 'abort':
      return { unified: 'other', raw: stopReason };
    default:
      return { unified: 'stop', raw: stopReason };
  }
}

function warningsFor(call: LanguageModelV4CallOptions): SharedV4Warning[] {
  const warnings: SharedV4Warning[] = [];
  if (call.tools !== undefined && call.tools.length > 0) warnings.push({ type: 'unsupported', feature: 'tools', details: 'llama-cpp model: tools are ignored' });
  if (call.toolChoice !== undefined && call.toolChoice.type !== 'auto' && call.toolChoice.type !== 'none') warnings.push({ type: 'unsupported', feature: 'toolChoice' });
  if (call.responseFormat?.type === 'json' && call.stopSequences !== undefined) warnings.push({ type: 'unsupported', feature: 'stopSequences', details: 'ignored with a JSON response format' });
  return warnings;
}

function positiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new ValidationError(`${FEATURE}.${name}`, 'must be a positive integer');
}
