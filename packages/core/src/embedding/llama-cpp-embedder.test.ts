import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ClosedError } from '../errors/closed-error.ts';
import { DependencyMissingError } from '../errors/dependency-missing-error.ts';
import { MemosError } from '../errors/memos-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import { createLlamaCppEmbedder, type LlamaCppEmbedderOptions } from './llama-cpp-embedder.ts';
import { loadNodeLlamaCpp } from './load-node-llama-cpp.ts';
import { nullVector } from './normalize-vector.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const modelsDir = process.env.MEMOS_MODELS_DIR ?? resolve(repoRoot, '../shared/models');
const norm = (v: number[]): number => Math.hypot(...v);
// One thread: llama.cpp's spinning workers slow down 100x when the test machine is oversubscribed.
const base: Omit<LlamaCppEmbedderOptions, 'modelPath'> = { threads: 1, contextSize: 256 };

const MODELS = [
  { file: 'stories260K.gguf', dimension: 64, sha16: '270cba1bd5109f42' },
  { file: 'llama-2-tiny-random.gguf', dimension: 8, sha16: '81f226c62d28ed4a' },
] as const;

describe.each(MODELS)('createLlamaCppEmbedder on $file', ({ file, dimension, sha16 }) => {
  const embedder = createLlamaCppEmbedder({ ...base, modelPath: join(modelsDir, file) });
  afterAll(() => embedder.close());

  it('loads lazily: dimension and fingerprint need setup()', async () => {
    expect(() => embedder.dimension).toThrow(ClosedError);
    expect(() => embedder.fingerprint).toThrow(ClosedError);
    await Promise.all([embedder.setup(), embedder.setup()]); // idempotent, concurrent-safe
    expect(embedder.dimension).toBe(dimension);
    expect(embedder.fingerprint).toBe(`llama-cpp:${file.replace(/\.gguf$/, '')}:${sha16}:d${dimension}`);
  });

  it('returns deterministic, L2-normalised vectors of the model dimension', async () => {
    const texts = ['Once upon a time there was a girl named Lily.', 'She loved to play outside.', 'Once upon a time there was a girl named Lily.'];
    const [a, b, c] = await embedder.embed(texts);
    const [again] = await embedder.embed([texts[0] ?? '']);
    for (const v of [a, b, c]) {
      expect(v).toHaveLength(dimension);
      expect(v?.every(Number.isFinite)).toBe(true);
      expect(norm(v ?? [])).toBeCloseTo(1, 6);
    }
    expect(c).toEqual(a);
    expect(again).toEqual(a);
    expect(b).not.toEqual(a);
    expect(await embedder.embedQuery(texts[1] ?? '')).toEqual(b);
  });

  it('gives the null vector for empty text and truncates text longer than the context', async () => {
    const [empty, long, odd] = await embedder.embed(['', 'story '.repeat(2_000), '🎉 Zürich 東京 \u0000']);
    expect(empty).toEqual(nullVector(dimension));
    for (const v of [long, odd]) {
      expect(v).toHaveLength(dimension);
      expect(norm(v ?? [])).toBeCloseTo(1, 6);
    }
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
    const embedder = createLlamaCppEmbedder({ ...base, modelPath: join(modelsDir, 'stories260K.gguf') });
    await embedder.embed(['hello']);
    await Promise.all([embedder.close(), embedder.close()]);
    await embedder.close();
    await expect(embedder.embed(['hello'])).rejects.toThrow(ClosedError);
    await expect(embedder.setup()).rejects.toThrow(ClosedError);
    expect(embedder.dimension).toBe(64); // identity stays readable after close
  });

  it('close() before setup() loads nothing', async () => {
    const embedder = createLlamaCppEmbedder({ ...base, modelPath: join(modelsDir, 'stories260K.gguf') });
    await embedder.close();
    await expect(embedder.embed(['x'])).rejects.toThrow(ClosedError);
  });

  it('rejects a missing model path and bad options with ValidationError', () => {
    const missing = join(scratch, 'nope.gguf');
    expect(() => createLlamaCppEmbedder({ modelPath: missing })).toThrow(ValidationError);
    expect(() => createLlamaCppEmbedder({ modelPath: missing })).toThrow(/nope\.gguf/);
    expect(() => createLlamaCppEmbedder({ modelPath: '' })).toThrow(ValidationError);
    expect(() => createLlamaCppEmbedder({ modelPath: scratch })).toThrow(/not a file/);
    const modelPath = join(modelsDir, 'stories260K.gguf');
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
    const embedder = createLlamaCppEmbedder({ ...base, modelPath: join(modelsDir, 'stories260K.gguf') });
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
