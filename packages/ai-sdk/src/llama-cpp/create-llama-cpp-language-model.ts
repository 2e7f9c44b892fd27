import { basename } from 'node:path';
import type {
  LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4FinishReason, LanguageModelV4GenerateResult, LanguageModelV4StreamPart,
  LanguageModelV4StreamResult, LanguageModelV4Usage, SharedV4Warning,
} from '@ai-sdk/provider';
import { ClosedError, ModelCallError, ValidationError } from '@memos-js/core';
import type { LlamaCompletionGenerationOptions, LlamaCompletionResponse, Token } from 'node-llama-cpp';
import type { ActivationCache, ActivationEvent, ActivationStats } from './activation-cache.ts';
import { createActivationStore, type ActivationEntry, type ActivationStore } from './activation-store.ts';
import { loadLlamaCppModel, type LoadedLlamaModel } from './load-llama-cpp-model.ts';
import type { ModelFingerprint } from './model-fingerprint.ts';
import { DEFAULT_PROMPT_LABELS, promptToText, type PromptLabels } from './prompt-to-text.ts';
import type { StablePrefix } from './stable-prefix.ts';
import { stablePrefixOf } from './stable-prefix.ts';

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
  /** LoRA adapters applied to the context, in order (`scale` default 1); part of the activation cache key. */
  lora?: { adapters: { filePath: string; scale?: number }[] };
  /**
   * Activation memory: the KV state of each call's stable prefix (its leading system messages, see
   * `stablePrefixOf`) is saved once in `dir` and restored on later calls that start with the same
   * prefix, so only the new tokens are evaluated. Keyed by the model fingerprint (model file sha256,
   * context size, adapters and scales, prompt format) and the prefix tokens' sha256; an on-disk LRU
   * capped at `maxBytes`. Off when unset.
   */
  activationCache?: {
    /** Folder of the state files and their headers. */
    dir: string;
    /** Size cap of all state files, in bytes (least recently used evicted beyond it). */
    maxBytes: number;
    /** sha256 of the model file when known (skips hashing the file at load). */
    modelSha256?: string;
  };
  /** Observer of the activation cache (`cache-hit`, `cache-miss`, `cache-build`, `cache-evict`); its errors are ignored. */
  onEvent?: (event: ActivationEvent) => void;
}

/** A prefix to warm: the stable system texts, as the calls will send them, and their provenance. */
export interface ActivationWarmInput {
  /** The leading system messages' texts, in order. */
  system: string[];
  /** Memory items composed into them. */
  memoryIds?: string[];
  /** Cubes of those memories. */
  cubeIds?: string[];
}

/** A V4 language model running locally on node-llama-cpp. */
export type LlamaCppLanguageModel = LanguageModelV4 & {
  /** Loads the model (idempotent; the first call does it otherwise). */
  setup(): Promise<void>;
  /** Frees the model, context and native resources; later calls throw `ClosedError`. */
  close(): Promise<void>;
  /** Number of tokens of a text under the model's tokenizer (loads the model). */
  countTokens(text: string): Promise<number>;
  /** Counters of the activation cache (all 0 without `activationCache`). */
  activationStats(): ActivationStats;
  /** The activation cache's on-disk store (`undefined` without `activationCache`), e.g. for `createActivationForgetHook`. */
  readonly activationStore: ActivationStore | undefined;
  /** The model fingerprint of the activation cache key (loads the model; `undefined` without `activationCache`). */
  fingerprint(): Promise<ModelFingerprint | undefined>;
  /**
   * Builds (or finds) the saved state of a stable prefix so later calls restore it; for a background
   * job when the working memory changes. Runs in turn with the model's calls. Needs `activationCache`.
   */
  warm(prefix: ActivationWarmInput): Promise<{ entry: ActivationEntry; built: boolean }>;
};

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
  const sha = options.activationCache?.modelSha256;
  if (sha !== undefined && !/^[0-9a-f]{64}$/.test(sha)) throw new ValidationError(`${FEATURE}.activationCache.modelSha256`, 'must be a lowercase sha256 hex digest');
  const store = options.activationCache ? createActivationStore(options.activationCache) : undefined;
  const idleStats: ActivationStats = { hits: 0, sequenceHits: 0, fileHits: 0, misses: 0, mismatches: 0, builds: 0, evictions: 0 };
  let loading: Promise<LoadedLlamaModel> | undefined;
  let closed = false;
  let activation: ActivationCache | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  function load(): Promise<LoadedLlamaModel> {
    if (closed) return Promise.reject(new ClosedError(`llama-cpp model ${modelId}`, 'closed'));
    loading ??= loadLlamaCppModel(options, labels, store).then((loaded) => {
      activation = loaded.activation;
      return loaded;
    }).catch((error: unknown) => {
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
      const before = loaded.meter();
      let promptTokens = loaded.tokenCount(text);
      let input: string | Token[] = text;
      let cacheWrite: number | undefined;
      const prefix = loaded.activation ? stablePrefixOf(call) : undefined;
      if (loaded.activation && prefix && text.startsWith(prefix.text)) {
        // The prompt is evaluated as the prefix's own tokens + the rest's, so that the prefix's tokens
        // (and its saved state) are the same whatever follows it.
        const rest = loaded.tokenize(text.slice(prefix.text.length));
        const prepared = await loaded.activation.prepare(prefix, rest.length);
        if (prepared) {
          input = [...prepared.body, ...rest];
          promptTokens = input.length + (loaded.beginningToken === null ? 0 : 1);
          cacheWrite = prepared.written;
        }
      }
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
        response = await loaded.completion.generateCompletionWithMeta(input, generation);
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
          inputTokens: { total: promptTokens, noCache: evaluated, cacheRead: promptTokens - evaluated, cacheWrite },
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

    async countTokens(text) {
      return (await load()).tokenCount(text);
    },

    activationStats() {
      return { ...(activation?.stats ?? idleStats) };
    },

    activationStore: store,

    async fingerprint() {
      return (await load()).fingerprint;
    },

    warm(input) {
      if (!store) return Promise.reject(new ValidationError(`${FEATURE}.activationCache`, 'warm() needs the activationCache option'));
      if (!Array.isArray(input?.system) || !input.system.every((text) => typeof text === 'string')) return Promise.reject(new ValidationError(`${FEATURE}.warm.system`, 'must be an array of strings'));
      const parts = input.system.map((text) => text.trim()).filter((text) => text.length > 0);
      if (parts.length === 0) return Promise.reject(new ValidationError(`${FEATURE}.warm.system`, 'must hold a non-empty system text'));
      const prefix: StablePrefix = { text: `${parts.join('\n\n')}\n\n`, memoryIds: [...(input.memoryIds ?? [])], cubeIds: [...(input.cubeIds ?? [])] };
      const task = queue.then(async () => {
        const loaded = await load();
        return loaded.activation!.warm(prefix);
      });
      queue = task.catch(() => undefined);
      return task;
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
