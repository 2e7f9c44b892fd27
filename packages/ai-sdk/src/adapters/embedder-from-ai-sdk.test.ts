import { APICallError, type EmbeddingModelV4CallOptions, type EmbeddingModelV4Result } from '@ai-sdk/provider';
import { createMemOS, MemosError } from '@memos-js/core';
import { MockEmbeddingModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { embedderFromAiSdk } from './embedder-from-ai-sdk.ts';

/** The mock model's behaviour: letter counts of the text (26 dimensions, not normalised). */
async function letterCounts({ values }: EmbeddingModelV4CallOptions): Promise<EmbeddingModelV4Result> {
  const embeddings = values.map((value) => {
    const vector: number[] = new Array<number>(26).fill(0);
    for (const char of value.toLowerCase()) {
      const index = char.charCodeAt(0) - 97;
      if (index >= 0 && index < 26) vector[index] = (vector[index] ?? 0) + 1;
    }
    if (Math.max(...vector) === 0) vector[0] = 1;
    return vector;
  });
  return { embeddings, warnings: [] };
}

describe('embedderFromAiSdk', () => {
  it('feeds a real MemOS: cubes record its fingerprint, add and search embed through embedMany', async () => {
    const model = new MockEmbeddingModelV4({ provider: 'mock', modelId: 'letters', maxEmbeddingsPerCall: 2, doEmbed: letterCounts });
    const embedder = embedderFromAiSdk({ model, dimension: 26 });
    expect(embedder.fingerprint).toBe('ai-sdk:mock:letters:d26');
    const mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, embedder });
    await mos.setup();
    await mos.createUser({ id: 'priya', name: 'Priya' });
    const cube = await mos.createCube({ userId: 'priya', id: 'chats', name: 'Chats' });
    expect(cube.embedder).toEqual({ fingerprint: 'ai-sdk:mock:letters:d26', dimension: 26 });
    const { items } = await mos.add({
      userId: 'priya', cubeId: 'chats',
      messages: [
        { role: 'user', content: 'I adopted a beagle called Biscuit.' },
        { role: 'user', content: 'I am allergic to peanuts.' },
        { role: 'user', content: 'Zzz, a quiet fuzzy jazz quiz.' },
      ],
    });
    // Three texts, at most two per call: embedMany split them.
    expect(model.doEmbedCalls.map((call) => call.values.length)).toEqual([2, 1]);
    expect(model.doEmbedCalls[0]?.dimensions).toBe(26);
    const { hits } = await mos.search({ userId: 'priya', query: 'fuzzy jazz quiz', topK: 3, weights: { keyword: 0, graph: 0 } });
    expect(model.doEmbedCalls.at(-1)?.values).toEqual(['fuzzy jazz quiz']);
    expect(hits[0]?.item.id).toBe(items[2]?.id);
    expect(hits[0]?.signals.vector?.score).toBeGreaterThan(0.8);
    await mos.close();
  });

  it('returns L2-normalised vectors', async () => {
    const embedder = embedderFromAiSdk({ model: new MockEmbeddingModelV4({ doEmbed: letterCounts }), dimension: 26 });
    const [a, b] = await embedder.embed(['aaa b', 'zz']);
    for (const vector of [a, b]) expect(Math.hypot(...(vector ?? []))).toBeCloseTo(1, 12);
    expect(a?.[0]).toBeCloseTo(3 / Math.sqrt(10), 12);
    expect(await embedder.embedQuery('zz')).toEqual(b);
    expect(await embedder.embed([])).toEqual([]);
  });

  it('learns the dimension on setup() when none is given', async () => {
    const model = new MockEmbeddingModelV4({ provider: 'mock', modelId: 'letters', doEmbed: letterCounts });
    const embedder = embedderFromAiSdk({ model, fingerprint: 'letters-v1' });
    expect(() => embedder.dimension).toThrow(/embedderFromAiSdk\.dimension/);
    await embedder.setup();
    await embedder.setup();
    expect(model.doEmbedCalls).toHaveLength(1);
    expect(model.doEmbedCalls[0]?.dimensions).toBeUndefined();
    expect(embedder.dimension).toBe(26);
    expect(embedder.fingerprint).toBe('letters-v1');
  });

  it('rejects vectors of the wrong length', async () => {
    const embedder = embedderFromAiSdk({ model: new MockEmbeddingModelV4({ doEmbed: letterCounts }), dimension: 8 });
    await expect(embedder.embed(['hello'])).rejects.toMatchObject({ code: 'MEMOS_MODEL_CALL', message: expect.stringContaining('length 26, expected 8') });
  });

  it('wraps a failed call in a MemosError that keeps the cause and whether to retry', async () => {
    const failure = new APICallError({ message: 'rate limited', url: 'https://example.test/embeddings', requestBodyValues: {}, statusCode: 429, isRetryable: true });
    const model = new MockEmbeddingModelV4({
      doEmbed: async () => {
        throw failure;
      },
    });
    const embedder = embedderFromAiSdk({ model, dimension: 26, maxRetries: 0 });
    const error = await embedder.embed(['hello']).catch((e: unknown) => e);
    expect(MemosError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'MEMOS_MODEL_CALL', isRetryable: true, cause: failure });
  });
});
