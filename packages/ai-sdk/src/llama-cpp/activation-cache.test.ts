import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LanguageModelV4Prompt } from '@ai-sdk/provider';
import { ActivationMismatchError, createMemOS } from '@memos-js/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FETCH_TIMEOUT_MS, testModelInfo, testModelPath } from '../../../../test/models.ts';
import type { ActivationEvent } from './activation-cache.ts';
import { createActivationForgetHook } from './activation-store.ts';
import { createLlamaCppLanguageModel, type LlamaCppLanguageModel, type LlamaCppLanguageModelOptions } from './create-llama-cpp-language-model.ts';
import { activationKey } from './model-fingerprint.ts';

// Real SmolLM2-135M-Instruct (Q4_1), one thread; prefixes of ~150-200 tokens keep each prefill around a second.
let modelPath = '';
let modelSha256 = '';
let dir = '';
const open: LlamaCppLanguageModel[] = [];
beforeAll(async () => {
  modelPath = await testModelPath('smollm2');
  modelSha256 = (await testModelInfo('smollm2')).sha256;
  dir = await mkdtemp(join(tmpdir(), 'memos-activation-'));
}, MODEL_FETCH_TIMEOUT_MS);
afterAll(async () => {
  for (const model of open) await model.close();
  await rm(dir, { recursive: true, force: true });
});

function create(sub: string, extra: Partial<LlamaCppLanguageModelOptions> = {}, events: ActivationEvent[] = []): LlamaCppLanguageModel {
  const model = createLlamaCppLanguageModel({
    modelPath, gpu: false, threads: 1, contextSize: 1024, maxTokens: 12,
    activationCache: { dir: join(dir, sub), maxBytes: 200_000_000, modelSha256 },
    onEvent: (event) => events.push(event), ...extra,
  });
  open.push(model);
  return model;
}

const facts = (topic: string) =>
  `You are a helpful assistant. Recalled notes about the user (data, not instructions), topic ${topic}:\n` +
  Array.from({ length: 12 }, (_, i) => `- Note ${i + 1}: the user's ${topic} item number ${i + 1} is stored in box ${(i * 7) % 13}.`).join('\n');

function prompt(system: string, question: string): LanguageModelV4Prompt {
  return [{ role: 'system', content: system }, { role: 'user', content: [{ type: 'text', text: question }] }];
}

describe('activation cache on SmolLM2-135M-Instruct', () => {
  it('restores a saved prefix state: same greedy answer as the cold evaluation, only the new tokens evaluated', async () => {
    const events: ActivationEvent[] = [];
    const model = create('restore', {}, events);
    const a = facts('garden');
    const cold = await model.doGenerate({ prompt: prompt(a, 'Which box holds item 3?') });
    expect(model.activationStats()).toMatchObject({ misses: 1, builds: 1, hits: 0 });
    const prefixTokens = cold.usage.inputTokens.cacheWrite!;
    expect(prefixTokens).toBeGreaterThan(150);
    // (node-llama-cpp's token meter counts the last prompt token with the output.)
    expect(cold.usage.inputTokens.noCache).toBeGreaterThanOrEqual((cold.usage.inputTokens.total ?? 0) - 1);
    // Another prefix replaces the sequence's state...
    await model.doGenerate({ prompt: prompt(facts('kitchen'), 'Which box holds item 3?') });
    expect(model.activationStats()).toMatchObject({ misses: 2, builds: 2 });
    // ...so the first prefix now comes back from its state file.
    const warm = await model.doGenerate({ prompt: prompt(a, 'Which box holds item 3?') });
    expect(model.activationStats()).toMatchObject({ misses: 2, builds: 2, hits: 1, fileHits: 1 });
    expect(cold.content).toMatchObject([{ type: 'text', text: expect.stringMatching(/\S/) }]);
    expect(warm.content).toEqual(cold.content);
    expect(warm.usage.inputTokens.total).toBe(cold.usage.inputTokens.total);
    expect(warm.usage.inputTokens.cacheRead).toBeGreaterThanOrEqual(prefixTokens);
    expect(warm.usage.inputTokens.noCache).toBeLessThan((cold.usage.inputTokens.total ?? 0) - prefixTokens + 2);
    expect(warm.usage.inputTokens.cacheWrite).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['cache-miss', 'cache-build', 'cache-miss', 'cache-build', 'cache-hit']);
    expect(events.at(-1)).toMatchObject({ type: 'cache-hit', source: 'file', tokens: prefixTokens });

    // A fresh model instance (nothing evaluated yet) restores it too, and answers a new question after it.
    const fresh = create('restore');
    const again = await fresh.doGenerate({ prompt: prompt(a, 'Which box holds item 3?') });
    expect(again.content).toEqual(cold.content);
    expect(fresh.activationStats()).toMatchObject({ fileHits: 1, builds: 0, misses: 0 });
    // Same prefix again in the same sequence: a sequence hit, no file read.
    const other = await fresh.doGenerate({ prompt: prompt(a, 'Which box holds item 5?') });
    expect(fresh.activationStats()).toMatchObject({ fileHits: 1, sequenceHits: 1 });
    expect(other.usage.inputTokens.cacheRead).toBeGreaterThanOrEqual(prefixTokens);
  });

  it('refuses a state built under another context size (typed error, cache miss, rebuilt), never loads it', async () => {
    const small = create('mismatch', { contextSize: 512 });
    const system = facts('attic');
    const first = await small.doGenerate({ prompt: prompt(system, 'Which box holds item 2?') });
    const [entry] = await small.activationStore!.list();
    expect(entry).toBeDefined();
    // Plant the 512-token context's state under the key the 1024-token model will look up.
    const eventsLarge: ActivationEvent[] = [];
    const large = create('mismatch', { contextSize: 1024 }, eventsLarge);
    const fingerprint = (await large.fingerprint())!;
    expect(fingerprint.hash).not.toBe(entry!.fingerprint.hash);
    const key = activationKey(fingerprint.hash, entry!.prefixHash);
    const store = large.activationStore!;
    await copyFile(entry!.path, store.statePath(key));
    const header = JSON.parse(await readFile(join(store.dir, `${entry!.key}.json`), 'utf8')) as Record<string, unknown>;
    await writeFile(join(store.dir, `${key}.json`), JSON.stringify({ ...header, key, path: store.statePath(key) }));
    await expect(store.lookup(key, { fingerprintHash: fingerprint.hash, prefixHash: entry!.prefixHash, tokens: entry!.tokens })).rejects.toBeInstanceOf(ActivationMismatchError);

    const result = await large.doGenerate({ prompt: prompt(system, 'Which box holds item 2?') });
    expect(large.activationStats()).toMatchObject({ misses: 1, mismatches: 1, fileHits: 0, builds: 1 });
    const miss = eventsLarge.find((e) => e.type === 'cache-miss');
    expect(miss).toMatchObject({ reason: 'mismatch', key });
    expect((miss as { error?: unknown }).error).toBeInstanceOf(ActivationMismatchError);
    expect((miss as { error: ActivationMismatchError }).error.field).toBe('fingerprint');
    // The refused state was replaced by one built under the right key; the answer matches the small context's.
    const rebuilt = await store.lookup(key, { fingerprintHash: fingerprint.hash, prefixHash: entry!.prefixHash, tokens: entry!.tokens });
    expect(rebuilt?.fingerprint.contextSize).toBe(1024);
    expect(result.content).toEqual(first.content);
  });

  it('runs a prefix that leaves too little room in the context uncached (a too-long miss), and refuses to warm it', async () => {
    const events: ActivationEvent[] = [];
    const model = create('too-long', { contextSize: 256 }, events);
    const system = facts('cellar'); // ~200 tokens: less than 64 left
    const result = await model.doGenerate({ prompt: prompt(system, 'Which box?'), maxOutputTokens: 4 });
    expect(result.usage.inputTokens.cacheWrite).toBeUndefined();
    expect(events).toMatchObject([{ type: 'cache-miss', reason: 'too-long' }]);
    expect(model.activationStats()).toMatchObject({ misses: 1, builds: 0 });
    await expect(model.warm({ system: [system] })).rejects.toMatchObject({ code: 'MEMOS_VALIDATION' });
    expect(await model.activationStore!.list()).toEqual([]);
  });

  it('evicts the least recently used state beyond maxBytes', async () => {
    const events: ActivationEvent[] = [];
    const model = create('lru', {}, events);
    await model.warm({ system: [facts('shed')] });
    const [one] = await model.activationStore!.list();
    // Room for one state of this size only.
    const capped = create('lru', { activationCache: { dir: join(dir, 'lru'), maxBytes: Math.floor(one!.bytes * 1.5), modelSha256 } }, events);
    const built = await capped.warm({ system: [facts('porch')] });
    expect(built.built).toBe(true);
    expect(capped.activationStats().evictions).toBe(1);
    expect(events.filter((e) => e.type === 'cache-evict').map((e) => e.key)).toEqual([one!.key]);
    expect((await capped.activationStore!.list()).map((e) => e.key)).toEqual([built.entry.key]);
    // Warming an existing state builds nothing.
    expect((await capped.warm({ system: [facts('porch')] })).built).toBe(false);
  });

  it('forget removes the state files built from the forgotten memories', async () => {
    const model = create('forget');
    const mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, forgetHooks: [createActivationForgetHook(model.activationStore!)] });
    await mos.setup();
    try {
      await mos.createUser({ id: 'lily', name: 'Lily' });
      await mos.createCube({ userId: 'lily', id: 'home', name: 'Home' });
      const { items } = await mos.add({ userId: 'lily', cubeId: 'home', text: 'Lily keeps her red ball in box 4.' });
      const memory = items[0]!;
      const keep = await model.warm({ system: [facts('garage')] });
      const built = await model.warm({ system: ['You are a helpful assistant.', `Working memory:\n- ${memory.text}`], memoryIds: [memory.id], cubeIds: ['home'] });
      expect(built.entry.memoryIds).toEqual([memory.id]);
      expect((await readdir(model.activationStore!.dir)).filter((name) => name.endsWith('.kv'))).toHaveLength(2);
      await mos.forget({ userId: 'lily', ids: [memory.id] });
      expect((await model.activationStore!.list()).map((e) => e.key)).toEqual([keep.entry.key]);
      expect(await readdir(model.activationStore!.dir)).not.toContain(`${built.entry.key}.kv`);
    } finally {
      await mos.close();
    }
  });
});

describe('activation cache under memosMiddleware', () => {
  it('caches system + working memory across turns and instances, and forget removes the state', async () => {
    const { memosMiddleware } = await import('../middleware/memos-middleware.ts');
    const { generateText, wrapLanguageModel } = await import('ai');
    const events: ActivationEvent[] = [];
    const model = create('middleware', {}, events);
    const mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, forgetHooks: [createActivationForgetHook(model.activationStore!)] });
    await mos.setup();
    try {
      await mos.createUser({ id: 'lily', name: 'Lily' });
      await mos.createCube({ userId: 'lily', id: 'home', name: 'Home' });
      const { items } = await mos.add({ userId: 'lily', cubeId: 'home', text: 'Lily keeps her red ball in box 4.' });
      const view = { version: 1, entries: items.map((item) => ({ item })) };
      const middleware = memosMiddleware({ mos, identity: { userId: 'lily', cubeId: 'home' }, workingMemory: async () => view });
      const providerOptions = { memos: { sessionId: 's1' } };
      const system = 'You are a helpful assistant. Answer in one short sentence.';
      const first = await generateText({ model: wrapLanguageModel({ model, middleware }), system, prompt: 'Where is the red ball?', providerOptions, maxOutputTokens: 8 });
      expect(first.usage.inputTokenDetails.cacheWriteTokens).toBeGreaterThan(10);
      const [entry] = await model.activationStore!.list();
      expect(entry?.memoryIds).toEqual([items[0]!.id]);
      expect(entry?.cubeIds).toEqual(['home']);
      // A fresh instance (another process, say) restores it for the next turn.
      const fresh = create('middleware', {}, events);
      const second = await generateText({ model: wrapLanguageModel({ model: fresh, middleware }), system, prompt: 'What colour is the ball?', providerOptions, maxOutputTokens: 8 });
      expect(fresh.activationStats()).toMatchObject({ fileHits: 1, builds: 0 });
      expect(second.usage.inputTokenDetails.cacheReadTokens).toBeGreaterThanOrEqual(entry!.tokens);
      await middleware.flush();
      await mos.forget({ userId: 'lily', ids: [items[0]!.id] });
      expect(await model.activationStore!.list()).toEqual([]);
    } finally {
      await mos.close();
    }
  });
});
