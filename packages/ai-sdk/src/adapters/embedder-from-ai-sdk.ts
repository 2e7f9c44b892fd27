import type { EmbeddingModelV4 } from '@ai-sdk/provider';
import { ModelCallError, ValidationError, type Embedder } from '@memos-js/core';
import { embedMany } from 'ai';
import { toModelCallError } from './model-call-error.ts';

/** Options of {@link embedderFromAiSdk}. */
export interface EmbedderFromAiSdkOptions {
  /** An AI SDK embedding model object (e.g. `openai.embedding('text-embedding-3-small')`). */
  model: EmbeddingModelV4;
  /**
   * Vector length. When set it is requested from the model (`dimensions`, for models that can
   * shorten their vectors) and every vector is checked against it. When omitted it is learned from
   * the first embedding: call `await embedder.setup()` before creating a cube with this embedder.
   */
  dimension?: number;
  /** Stable fingerprint of the vectors (default `ai-sdk:<provider>:<modelId>:d<dimension>`). */
  fingerprint?: string;
  /** Most concurrent requests when a batch is split (default: the AI SDK's). */
  maxParallelCalls?: number;
  /** Retries per request (default: the AI SDK's, 2). */
  maxRetries?: number;
  /** Provider options passed to every call (e.g. `{ openai: { user: 'memos' } }`). */
  providerOptions?: Parameters<typeof embedMany>[0]['providerOptions'];
}

/** An {@link Embedder} over an AI SDK embedding model. */
export interface AiSdkEmbedder extends Embedder {
  /** Embeds a probe text to learn the dimension when it was not given (idempotent). */
  setup(): Promise<void>;
  embedQuery(text: string): Promise<number[]>;
}

/**
 * Adapts an AI SDK (V4) embedding model to the core's `Embedder` port: batches through
 * `embedMany` (which splits by the model's `maxEmbeddingsPerCall`), L2-normalises every vector and
 * checks its length. Failed calls and unusable vectors throw a `ModelCallError` (`MEMOS_MODEL_CALL`, cause = the AI SDK error).
 */
export function embedderFromAiSdk(options: EmbedderFromAiSdkOptions): AiSdkEmbedder {
  const { model } = options;
  if (options.dimension !== undefined && (!Number.isInteger(options.dimension) || options.dimension < 1)) {
    throw new ValidationError('embedderFromAiSdk.dimension', 'must be a positive integer');
  }
  let dimension = options.dimension;
  let probe: Promise<void> | undefined;

  async function embed(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    let embeddings: number[][];
    try {
      ({ embeddings } = await embedMany({
        model, values: texts,
        ...(options.dimension !== undefined ? { dimensions: options.dimension } : {}),
        ...(options.maxParallelCalls !== undefined ? { maxParallelCalls: options.maxParallelCalls } : {}),
        ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
        ...(options.providerOptions !== undefined ? { providerOptions: options.providerOptions } : {}),
      }));
    } catch (error) {
      throw toModelCallError(error, `${model.provider}:${model.modelId}`, `Embedding with ${model.provider}:${model.modelId}`);
    }
    if (embeddings.length !== texts.length) {
      throw new ModelCallError(`${model.provider}:${model.modelId}`, `Embedding model ${model.modelId} returned ${embeddings.length} vectors for ${texts.length} texts`);
    }
    dimension ??= embeddings[0]?.length;
    return embeddings.map((vector) => normalize(vector, dimension ?? 0, `${model.provider}:${model.modelId}`));
  }

  return {
    get dimension(): number {
      if (dimension === undefined) {
        throw new ValidationError('embedderFromAiSdk.dimension', 'is not known yet: pass `dimension`, or `await embedder.setup()` before using the embedder');
      }
      return dimension;
    },
    get fingerprint(): string {
      return options.fingerprint ?? `ai-sdk:${model.provider}:${model.modelId}:d${this.dimension}`;
    },
    setup() {
      if (dimension !== undefined) return Promise.resolve();
      probe ??= embed(['dimension probe']).then(() => undefined, (error: unknown) => {
        probe = undefined;
        throw error;
      });
      return probe;
    },
    embed,
    async embedQuery(text: string) {
      const [vector] = await embed([text]);
      return vector ?? [];
    },
  };
}

function normalize(vector: number[], dimension: number, modelId: string): number[] {
  if (vector.length !== dimension) {
    throw new ModelCallError(modelId, `Embedding model ${modelId} returned a vector of length ${vector.length}, expected ${dimension}`);
  }
  let squares = 0;
  for (const value of vector) squares += value * value;
  const norm = Math.sqrt(squares);
  if (!Number.isFinite(norm) || norm === 0) throw new ModelCallError(modelId, `Embedding model ${modelId} returned a zero or non-finite vector`);
  return vector.map((value) => value / norm);
}
