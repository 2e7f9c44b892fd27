import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { ClosedError } from '../errors/closed-error.ts';
import { EmbedderError } from '../errors/embedder-error.ts';
import { MemosError } from '../errors/memos-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import type { Embedder } from '../spec/embedder.ts';
import type { Logger } from '../spec/logger.ts';
import { loadNodeLlamaCpp, type NodeLlamaCppModule } from './load-node-llama-cpp.ts';
import { l2Normalize, nullVector } from './normalize-vector.ts';
import { sha256File } from './sha256-file.ts';

/** Options for {@link createLlamaCppEmbedder}. */
export interface LlamaCppEmbedderOptions {
  /** Path of a GGUF model file (an embedding model such as a bge/MiniLM/nomic GGUF). Must exist. */
  modelPath: string;
  /**
   * Context size in tokens; longer texts are truncated to fit (their head is embedded).
   * Default: the model's training context, at most 1024 (the fast reader's chunks are at most
   * ~1000 characters, a few hundred tokens). Not part of the fingerprint: it only changes the
   * vectors of texts longer than the context.
   */
  contextSize?: number;
  /**
   * CPU threads for evaluation; default node-llama-cpp's (all math cores). Use 1 on busy or
   * oversubscribed machines and for tiny models: llama.cpp's worker threads spin-wait, and with
   * more threads than free cores one embedding measured 80-300x slower (4 ms -> 0.3-3 s).
   */
  threads?: number;
  /**
   * `false` (default): CPU only, deterministic and the same on every machine. `'auto'`: let
   * node-llama-cpp pick CUDA/Vulkan/Metal when available (vectors may differ in the last bits).
   */
  gpu?: false | 'auto';
  /** Receives load/truncation messages (debug) and node-llama-cpp's own errors. */
  logger?: Logger;
}

/** A GGUF embedder backed by node-llama-cpp. `dimension` and `fingerprint` are known after `setup()`. */
export interface LlamaCppEmbedder extends Embedder {
  /** The model file. */
  readonly modelPath: string;
  /** Loads the library, model and embedding context (idempotent; `embed` calls it too). */
  setup(): Promise<void>;
  embedQuery(text: string): Promise<number[]>;
  /** Disposes context, model and library instance. Idempotent; the embedder cannot be reused. */
  close(): Promise<void>;
}

interface Loaded {
  llama: Awaited<ReturnType<NodeLlamaCppModule['getLlama']>>;
  model: Awaited<ReturnType<Loaded['llama']['loadModel']>>;
  context: Awaited<ReturnType<Loaded['model']['createEmbeddingContext']>>;
  contextSize: number;
  dimension: number;
  fingerprint: string;
}

const RESOURCE = 'LlamaCppEmbedder';
const DEFAULT_MAX_CONTEXT = 1024;

/**
 * Creates an embedder that runs a local GGUF model through node-llama-cpp (an optional peer
 * dependency, imported on first use; `DependencyMissingError` when it is not installed).
 * Nothing is loaded until `setup()` or the first `embed`. Vectors are L2-normalised;
 * `dimension` is the model's `embeddingVectorSize`; the fingerprint is
 * `llama-cpp:<file name>:<first 16 hex of the file's sha256>:d<dimension>`, so a different or
 * re-quantised file never mixes with old vectors. Reading `dimension` or `fingerprint` before
 * `setup()` throws `ClosedError`.
 *
 * Text that tokenizes to nothing (the empty string) gets the constant unit vector
 * `1/sqrt(dimension)` rather than a zero vector.
 */
export function createLlamaCppEmbedder(options: LlamaCppEmbedderOptions): LlamaCppEmbedder {
  const { modelPath, logger } = validateOptions(options);
  const gpu = options.gpu ?? false;
  let loaded: Loaded | undefined;
  let setupPromise: Promise<Loaded> | undefined;
  let closed = false;
  /** Tail of the serialised embed calls (one context sequence evaluates one text at a time). */
  let queue: Promise<unknown> = Promise.resolve();

  async function load(): Promise<Loaded> {
    const mod = await loadNodeLlamaCpp({ feature: 'The GGUF embedder' });
    const shaPromise = sha256File(modelPath);
    shaPromise.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
    const started = Date.now();
    let llama: Loaded['llama'] | undefined;
    let model: Loaded['model'] | undefined;
    let context: Loaded['context'] | undefined;
    try {
      llama = await mod.getLlama({
        gpu,
        build: 'never',
        logLevel: mod.LlamaLogLevel.error,
        ...(logger ? { logger: (level: string, message: string) => forwardLog(logger, level, message) } : {}),
      });
      model = await llama.loadModel({ modelPath, gpuLayers: gpu === false ? 0 : 'auto' });
      const contextSize = options.contextSize ?? Math.min(model.trainContextSize || DEFAULT_MAX_CONTEXT, DEFAULT_MAX_CONTEXT);
      context = await model.createEmbeddingContext({
        contextSize,
        batchSize: contextSize,
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      });
      const dimension = model.embeddingVectorSize;
      const sha = await shaPromise;
      const fingerprint = `llama-cpp:${modelName(modelPath)}:${sha.slice(0, 16)}:d${dimension}`;
      logger?.debug('GGUF embedder loaded', { modelPath, dimension, contextSize, gpu: llama.gpu, ms: Date.now() - started });
      return { llama, model, context, contextSize, dimension, fingerprint };
    } catch (error) {
      // Best-effort cleanup of what was created; the load error below is the one that matters.
      await context?.dispose().catch(() => undefined);
      await model?.dispose().catch(() => undefined);
      await llama?.dispose().catch(() => undefined);
      if (MemosError.isInstance(error)) throw error;
      throw new ValidationError('modelPath', `${JSON.stringify(modelPath)} could not be loaded as a GGUF embedding model: ${message(error)}`, { cause: error });
    }
  }

  async function setup(): Promise<Loaded> {
    if (closed) throw new ClosedError(RESOURCE, 'closed');
    if (loaded) return loaded;
    setupPromise ??= load().then(
      (result) => {
        loaded = result;
        return result;
      },
      (error: unknown) => {
        setupPromise = undefined; // a later call may retry (e.g. after installing the package)
        throw error;
      },
    );
    return setupPromise;
  }

  async function embedOne(state: Loaded, text: string): Promise<number[]> {
    let tokens = state.model.tokenize(text, false);
    if (tokens.length === 0) return nullVector(state.dimension);
    const limit = state.contextSize - 3; // room for BOS/EOS; the input must be shorter than the context
    if (tokens.length > limit) {
      logger?.debug('GGUF embedder truncated a long text', { tokens: tokens.length, limit });
      tokens = tokens.slice(0, limit);
    }
    let vector: readonly number[];
    try {
      vector = (await state.context.getEmbeddingFor(tokens)).vector;
    } catch (error) {
      throw new EmbedderError(modelName(modelPath), `GGUF embedder failed on a text of ${tokens.length} tokens: ${message(error)}`, { cause: error });
    }
    if (vector.length !== state.dimension) {
      throw new EmbedderError(modelName(modelPath), `GGUF embedder returned ${vector.length} values, expected ${state.dimension}`);
    }
    return l2Normalize(vector);
  }

  async function embed(texts: string[]): Promise<number[][]> {
    if (!Array.isArray(texts)) throw new ValidationError('texts', 'must be an array of strings');
    texts.forEach((text, i) => {
      if (typeof text !== 'string') throw new ValidationError(`texts[${i}]`, 'must be a string');
    });
    const state = await setup();
    const run = queue.then(async () => {
      if (closed) throw new ClosedError(RESOURCE, 'closed');
      const vectors: number[][] = [];
      for (const text of texts) vectors.push(await embedOne(state, text));
      return vectors;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  function info(): Loaded {
    if (loaded) return loaded;
    throw new ClosedError(RESOURCE, 'not set up');
  }

  return {
    modelPath,
    get dimension() {
      return info().dimension;
    },
    get fingerprint() {
      return info().fingerprint;
    },
    async setup() {
      await setup();
    },
    embed,
    async embedQuery(text: string) {
      const [vector] = await embed([text]);
      return vector ?? [];
    },
    async close() {
      if (closed) return;
      closed = true;
      const pending = setupPromise;
      await queue;
      const state = loaded ?? (pending ? await pending.catch(() => undefined) : undefined);
      if (!state) return;
      await state.context.dispose();
      await state.model.dispose();
      await state.llama.dispose();
    },
  };
}

function validateOptions(options: LlamaCppEmbedderOptions): { modelPath: string; logger?: Logger } {
  if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object');
  const { modelPath, contextSize, threads, gpu } = options;
  if (typeof modelPath !== 'string' || modelPath.trim() === '') throw new ValidationError('modelPath', 'must be a non-empty path');
  let isFile = false;
  try {
    isFile = statSync(modelPath).isFile();
  } catch (error) {
    throw new ValidationError('modelPath', `${JSON.stringify(modelPath)} does not exist or cannot be read`, { cause: error });
  }
  if (!isFile) throw new ValidationError('modelPath', `${JSON.stringify(modelPath)} is not a file`);
  if (contextSize !== undefined && (!Number.isInteger(contextSize) || contextSize < 16 || contextSize > 1_048_576)) {
    throw new ValidationError('contextSize', `must be an integer in 16..1048576, got ${String(contextSize)}`);
  }
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 0 || threads > 1024)) {
    throw new ValidationError('threads', `must be an integer in 0..1024, got ${String(threads)}`);
  }
  if (gpu !== undefined && gpu !== false && gpu !== 'auto') throw new ValidationError('gpu', `must be false or 'auto', got ${String(gpu)}`);
  return options.logger ? { modelPath, logger: options.logger } : { modelPath };
}

/** File name without `.gguf`, restricted to characters that are safe in a fingerprint. */
function modelName(path: string): string {
  const name = basename(path, extname(path)).replace(/[^A-Za-z0-9._-]+/g, '_');
  return name === '' ? 'model' : name;
}

function forwardLog(logger: Logger, level: string, text: string): void {
  const line = text.trim();
  if (line === '') return;
  if (level === 'error' || level === 'fatal') logger.error(`node-llama-cpp: ${line}`);
  else if (level === 'warn') logger.warn(`node-llama-cpp: ${line}`);
  else logger.debug(`node-llama-cpp: ${line}`);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
