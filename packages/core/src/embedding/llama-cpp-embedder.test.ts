import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FETCH_TIMEOUT_MS, testModelInfo, testModelPath } from '../../../../test/models.ts';
import { ClosedError } from '../errors/closed-error.ts';
import { DependencyMissingError } from '../errors/dependency-missing-error.ts';
import { MemosError } from '../errors/memos-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import { createLlamaCppEmbedder, type LlamaCppEmbedder, type LlamaCppEmbedderOptions } from './llama-cpp-embedder.ts';
import { loadNodeLlamaCpp } from './load-node-llama-cpp.ts';
import { nullVector } from './normalize-vector.ts';

const norm = (v: number[]): number => Math.hypot(...v);
const dot = (a: number[], b: number[]): number => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
// One thread: llama.cpp's spinning workers slow down 100x when the test machine is oversubscribed.
const base: Omit<LlamaCppEmbedderOptions, 'modelPath'> = { threads: 1, contextSize: 256 };
const DIMENSION = 384;

// all-MiniLM-L6-v2 (Q8_0), fetched by the project on a cold cache (test/models.ts).
let modelPath = '';
beforeAll(async () => {
  modelPath = await testModelPath('minilm');
}, MODEL_FETCH_TIMEOUT_MS);

describe('createLlamaCppEmbedder on all-MiniLM-L6-v2', () => {
  let embedder: LlamaCppEmbedder;
  beforeAll(() => {
    embedder = createLlamaCppEmbedder({ ...base, modelPath });
  });
  afterAll(() => embedder.close());

  it('loads lazily: dimension and fingerprint need setup()', async () => {
    expect(() => embedder.dimension).toThrow(ClosedError);
    expect(() => embedder.fingerprint).toThrow(ClosedError);
    await Promise.all([embedder.setup(), embedder.setup()]); // idempotent, concurrent-safe
    expect(embedder.dimension).toBe(DIMENSION);
    const { sha256 } = await testModelInfo('minilm');
    expect(embedder.fingerprint).toBe(`llama-cpp:all-MiniLM-L6-v2-Q8_0:${sha256.slice(0, 16)}:d${DIMENSION}`);
  });

  it('returns deterministic, L2-normalised vectors of the model dimension', async () => {
    const texts = ['Once upon a time there was a girl named Lily.', 'She loved to play outside.', 'Once upon a time there was a girl named Lily.'];
    const [a, b, c] = await embedder.embed(texts);
    const [again] = await embedder.embed([texts[0] ?? '']);
    for (const v of [a, b, c]) {
      expect(v).toHaveLength(DIMENSION);
      expect(v?.every(Number.isFinite)).toBe(true);
      expect(norm(v ?? [])).toBeCloseTo(1, 6);
    }
    expect(c).toEqual(a);
    expect(again).toEqual(a);
    expect(b).not.toEqual(a);
    expect(await embedder.embedQuery(texts[1] ?? '')).toEqual(b);
  });

  it('places paraphrases close together and unrelated sentences apart', async () => {
    const pairs = [
      ['The cat is sleeping on the sofa.', 'A kitten naps on the couch.'],
      ['I moved to Berlin last year for a new job.', 'Last year I relocated to Berlin because of work.'],
      ['How do I reset my password?', 'I forgot my password and need to change it.'],
      ['The stock market fell sharply today.', 'Share prices dropped a lot on the exchange today.'],
    ] as const;
    const vectors = await embedder.embed(pairs.flat());
    const cos = (i: number, j: number): number => dot(vectors[i] ?? [], vectors[j] ?? []); // unit vectors
    const paraphrase: number[] = [];
    const unrelated: number[] = [];
    for (let i = 0; i < vectors.length; i++) {
      const partner = i ^ 1;
      const others = vectors.map((_, j) => j).filter((j) => j !== i);
      // every sentence's nearest neighbour is its paraphrase
      expect(others.reduce((best, j) => (cos(i, j) > cos(i, best) ? j : best))).toBe(partner);
      for (const j of others) (j === partner ? paraphrase : unrelated).push(cos(i, j));
    }
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(paraphrase)).toBeGreaterThan(0.5);
    expect(mean(unrelated)).toBeLessThan(0.2);
  });

  it('gives the null vector for empty text and truncates text longer than the context', async () => {
    const [empty, long, head, odd] = await embedder.embed(['', 'story '.repeat(2_000), 'story '.repeat(253), '🎉 Zürich 東京 \u0000']);
    expect(empty).toEqual(nullVector(DIMENSION));
    for (const v of [long, odd]) {
      expect(v).toHaveLength(DIMENSION);
      expect(norm(v ?? [])).toBeCloseTo(1, 6);
    }
    // the long text is cut to its head: the context's 256 tokens minus room for [CLS]/[SEP]
    expect(long).toEqual(head);
  });

  it('serialises concurrent calls', async () => {
    const texts = ['one', 'two', 'three'];
    const serial = await embedder.embed(texts);
    const parallel = await Promise.all(texts.map((t) => embedder.embedQuery(t)));
    expect(parallel).toEqual(serial);
  });
});

describe('createLlamaCppEmbedder lifecycle and validation', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'memos-gguf-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('close() is idempotent and later calls throw ClosedError', async () => {
    const embedder = createLlamaCppEmbedder({ ...base, modelPath });
    await embedder.embed(['hello']);
    await Promise.all([embedder.close(), embedder.close()]);
    await embedder.close();
    await expect(embedder.embed(['hello'])).rejects.toThrow(ClosedError);
    await expect(embedder.setup()).rejects.toThrow(ClosedError);
    expect(embedder.dimension).toBe(DIMENSION); // identity stays readable after close
  });

  it('close() before setup() loads nothing', async () => {
    const embedder = createLlamaCppEmbedder({ ...base, modelPath });
    await embedder.close();
    await expect(embedder.embed(['x'])).rejects.toThrow(ClosedError);
  });

  it('rejects a missing model path and bad options with ValidationError', () => {
    const missing = join(scratch, 'nope.gguf');
    expect(() => createLlamaCppEmbedder({ modelPath: missing })).toThrow(ValidationError);
    expect(() => createLlamaCppEmbedder({ modelPath: missing })).toThrow(/nope\.gguf/);
    expect(() => createLlamaCppEmbedder({ modelPath: '' })).toThrow(ValidationError);
    expect(() => createLlamaCppEmbedder({ modelPath: scratch })).toThrow(/not a file/);
    expect(() => createLlamaCppEmbedder({ modelPath, contextSize: 3 })).toThrow(ValidationError);
    expect(() => createLlamaCppEmbedder({ modelPath, threads: -1 })).toThrow(ValidationError);
    expect(() => createLlamaCppEmbedder({ modelPath, gpu: 'cuda' as unknown as false })).toThrow(ValidationError);
  });

  it('reports a file that is not a GGUF model as ValidationError at setup, and can retry', async () => {
    const bogus = join(scratch, 'bogus.gguf');
    writeFileSync(bogus, 'not a model');
    const embedder = createLlamaCppEmbedder({ ...base, modelPath: bogus });
    await expect(embedder.setup()).rejects.toThrow(ValidationError);
    await expect(embedder.embed(['x'])).rejects.toThrow(/could not be loaded/);
    await embedder.close();
  });

  it('rejects non-string input', async () => {
    const embedder = createLlamaCppEmbedder({ ...base, modelPath });
    await expect(embedder.embed([1 as unknown as string])).rejects.toThrow(ValidationError);
    await embedder.close();
  });
});

describe('loadNodeLlamaCpp', () => {
  it('loads the installed package', async () => {
    const mod = await loadNodeLlamaCpp({ feature: 'test' });
    expect(typeof mod.getLlama).toBe('function');
  });

  it('throws DependencyMissingError when the package is not installed', async () => {
    const notFound = Object.assign(new Error("Cannot find package 'node-llama-cpp' imported from /x.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await loadNodeLlamaCpp({ feature: 'The GGUF embedder', importer: () => Promise.reject(notFound) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyMissingError);
    expect((error as DependencyMissingError).installCommand).toBe('npm install node-llama-cpp');
    expect((error as Error).message).toMatch(/The GGUF embedder needs the package node-llama-cpp/);
    expect((error as Error).cause).toBe(notFound);
  });

  it('wraps other load failures, keeping the cause', async () => {
    const broken = Object.assign(new Error("Cannot find package 'lifecycle-utils'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await loadNodeLlamaCpp({ feature: 'test', importer: () => Promise.reject(broken) }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(DependencyMissingError);
    expect(MemosError.isInstance(error) && error.code).toBe('MEMOS_DEPENDENCY_FAILED');
    expect((error as Error).cause).toBe(broken);
  });
});
