import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { ValidationError, type Embedder } from '@memos-js/core';

/** Options of {@link embedderFromLangChain}. */
export interface EmbedderFromLangChainOptions {
  /** Any LangChain `Embeddings` (OpenAI, Ollama, HuggingFace, ...). */
  embeddings: EmbeddingsInterface;
  /**
   * Vector length. Default: the model's `dimensions` / `dimension` property when it has one; it is
   * required otherwise (a MemCube records it and rejects other sizes).
   */
  dimension?: number;
  /**
   * Identity of the vectors (default `langchain:<class>:<model>:<dimension>`). A cube created with one
   * fingerprint refuses another, so change it whenever the vectors change (model, dimension, options).
   */
  fingerprint?: string;
}

function l2Normalize(vector: number[]): number[] {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm > 0 ? vector.map((x) => x / norm) : vector.map(() => 0);
}

function modelName(embeddings: EmbeddingsInterface): string {
  const record = embeddings as unknown as Record<string, unknown>;
  for (const key of ['model', 'modelName', 'modelId', 'model_id']) if (typeof record[key] === 'string') return record[key];
  return 'default';
}

function modelDimension(embeddings: EmbeddingsInterface): number | undefined {
  const record = embeddings as unknown as Record<string, unknown>;
  for (const key of ['dimensions', 'dimension']) if (typeof record[key] === 'number') return record[key];
  return undefined;
}

/**
 * A MemOS `Embedder` over a LangChain `Embeddings`: documents go through `embedDocuments`, queries
 * through `embedQuery`; vectors are checked for length and L2-normalised (MemOS compares them by
 * cosine). A wrong length throws `ValidationError`.
 */
export function embedderFromLangChain(options: EmbedderFromLangChainOptions): Embedder {
  const { embeddings } = options;
  const dimension = options.dimension ?? modelDimension(embeddings);
  if (dimension === undefined || !Number.isInteger(dimension) || dimension < 1) {
    throw new ValidationError('embedderFromLangChain.dimension', 'is required (a positive integer) when the embeddings model does not declare `dimensions`');
  }
  const fingerprint = options.fingerprint ?? `langchain:${embeddings.constructor.name}:${modelName(embeddings)}:${dimension}`;
  const check = (vector: number[], field: string): number[] => {
    if (!Array.isArray(vector) || vector.length !== dimension) {
      throw new ValidationError(field, `has ${Array.isArray(vector) ? vector.length : typeof vector} dimensions, expected ${dimension}`);
    }
    return l2Normalize(vector);
  };
  return {
    fingerprint,
    dimension,
    async embed(texts: string[]): Promise<number[][]> {
      if (texts.length === 0) return [];
      const vectors = await embeddings.embedDocuments(texts);
      if (vectors.length !== texts.length) throw new ValidationError('embeddings.embedDocuments', `returned ${vectors.length} vectors for ${texts.length} texts`);
      return vectors.map((v, i) => check(v, `embeddings.embedDocuments[${i}]`));
    },
    async embedQuery(text: string): Promise<number[]> {
      return check(await embeddings.embedQuery(text), 'embeddings.embedQuery');
    },
  };
}
