import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as core from '../index.ts';
import { DependencyFailedError } from './dependency-failed-error.ts';
import { EmbedderError } from './embedder-error.ts';
import { MemosError } from './memos-error.ts';
import { ModelCallError } from './model-call-error.ts';

const packagesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Every non-test TypeScript source under packages/<name>/src. */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
    }
  };
  for (const pkg of readdirSync(packagesDir)) {
    const src = join(packagesDir, pkg, 'src');
    if (statSync(src, { throwIfNoEntry: false })?.isDirectory()) walk(src);
  }
  return out;
}

/** Untyped errors: a bare MemosError with a code string, or a plain Error/TypeError/RangeError. */
const UNTYPED = /\bnew\s+(MemosError|Error|TypeError|RangeError)\s*\(/;

describe('typed errors only', () => {
  it('no source of any package creates an untyped error', () => {
    const files = sources();
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.endsWith(join('ai-sdk', 'src', 'adapters', 'model-call-error.ts')))).toBe(true);
    const offenders: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (UNTYPED.test(line)) offenders.push(`${relative(packagesDir, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('the scan recognises the patterns it forbids', () => {
    expect(UNTYPED.test("throw new MemosError('MEMOS_X', 'm')")).toBe(true);
    expect(UNTYPED.test('throw new Error(`boom`)')).toBe(true);
    expect(UNTYPED.test("return Promise.reject(new TypeError('x'))")).toBe(true);
    expect(UNTYPED.test("throw new ModelCallError('m', 'x')")).toBe(false);
    expect(UNTYPED.test("throw new StorageError('sqlite', 'write', 'x')")).toBe(false);
  });
});

describe('ModelCallError', () => {
  it('is a MemosError with code, model, isRetryable and cause', () => {
    const cause = new RangeError('429');
    const error = new ModelCallError('openai:gpt-4o-mini', 'Generating failed: 429', { cause, isRetryable: true });
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error).toBeInstanceOf(MemosError);
    expect(error).toMatchObject({ name: 'ModelCallError', code: 'MEMOS_MODEL_CALL', model: 'openai:gpt-4o-mini', isRetryable: true, message: 'Generating failed: 429', cause });
    expect(new ModelCallError('m', 'x').isRetryable).toBe(false);
    expect(ModelCallError.isInstance(error)).toBe(true);
    expect(MemosError.isInstance(error)).toBe(true);
    expect(ModelCallError.isInstance(new EmbedderError('m', 'x'))).toBe(false);
    expect(ModelCallError.isInstance({ code: 'MEMOS_MODEL_CALL' })).toBe(false);
    expect(ModelCallError.isInstance(null)).toBe(false);
  });
});

describe('EmbedderError', () => {
  it('is a MemosError with code and model', () => {
    const error = new EmbedderError('bge-small', 'GGUF embedder returned 3 values, expected 384');
    expect(error).toBeInstanceOf(MemosError);
    expect(error).toMatchObject({ name: 'EmbedderError', code: 'MEMOS_EMBEDDER', model: 'bge-small', isRetryable: false });
    expect(EmbedderError.isInstance(error)).toBe(true);
    expect(EmbedderError.isInstance(new ModelCallError('m', 'x'))).toBe(false);
    expect(EmbedderError.isInstance(new Error('x'))).toBe(false);
  });
});

describe('DependencyFailedError', () => {
  it('is a MemosError naming the package, the feature and the reason', () => {
    const cause = new Error('libllama.so: cannot open shared object file');
    const error = new DependencyFailedError('node-llama-cpp', 'The GGUF embedder', cause.message, { cause });
    expect(error).toBeInstanceOf(MemosError);
    expect(error).toMatchObject({
      name: 'DependencyFailedError', code: 'MEMOS_DEPENDENCY_FAILED', packageName: 'node-llama-cpp', feature: 'The GGUF embedder', reason: cause.message, cause,
      message: 'The GGUF embedder could not load node-llama-cpp: libllama.so: cannot open shared object file',
    });
    expect(DependencyFailedError.isInstance(error)).toBe(true);
    expect(DependencyFailedError.isInstance(new core.DependencyMissingError('x', 'y'))).toBe(false);
  });

  it('the new classes are exported from the core root', () => {
    expect(core.ModelCallError).toBe(ModelCallError);
    expect(core.EmbedderError).toBe(EmbedderError);
    expect(core.DependencyFailedError).toBe(DependencyFailedError);
  });
});
