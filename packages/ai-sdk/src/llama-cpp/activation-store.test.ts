import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivationMismatchError, ValidationError } from '@memos-js/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActivationForgetHook, createActivationStore, type ActivationStore } from './activation-store.ts';
import { activationKey, modelFingerprint, tokensHash } from './model-fingerprint.ts';

const base = { modelSha256: 'a'.repeat(64), contextSize: 512, adapters: [], promptFormat: 'memos-plain-text/1' };
const plain = modelFingerprint(base);
let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memos-activation-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a fake state of `bytes` bytes for the prefix `tokens` and commits it. */
async function put(store: ActivationStore, tokens: number[], bytes: number, provenance: { memoryIds?: string[]; cubeIds?: string[] } = {}, fingerprint = plain) {
  const hash = tokensHash(tokens);
  const key = activationKey(fingerprint.hash, hash);
  const temp = store.tempPath(key);
  expect(store.tempPath(key)).not.toBe(temp);
  await writeFile(temp, Buffer.alloc(bytes, 1));
  return store.commit({ key, fingerprint, prefixHash: hash, tokens: tokens.length, memoryIds: provenance.memoryIds ?? [], cubeIds: provenance.cubeIds ?? [] }, temp);
}

describe('model fingerprint', () => {
  it('changes with the model file, context size, adapters, scales and prompt format', () => {
    const hashes = new Set([
      plain.hash,
      modelFingerprint({ ...base, modelSha256: 'b'.repeat(64) }).hash,
      modelFingerprint({ ...base, contextSize: 1024 }).hash,
      modelFingerprint({ ...base, adapters: [{ sha256: 'c'.repeat(64), scale: 1 }] }).hash,
      modelFingerprint({ ...base, adapters: [{ sha256: 'c'.repeat(64), scale: 0.5 }] }).hash,
      modelFingerprint({ ...base, promptFormat: 'chatml' }).hash,
    ]);
    expect(hashes.size).toBe(6);
    expect(modelFingerprint({ ...base }).hash).toBe(plain.hash);
  });
});

describe('createActivationStore', () => {
  it('refuses a state whose header names another adapter set, context size or prefix, with ActivationMismatchError', async () => {
    const store = createActivationStore({ dir, maxBytes: 10_000 });
    const withAdapter = modelFingerprint({ ...base, adapters: [{ sha256: 'c'.repeat(64), scale: 1 }] });
    const { entry } = await put(store, [1, 2, 3], 100, {}, withAdapter);
    // Looked up under the key of the adapter set it was built with, but by a model without it.
    const error = await store.lookup(entry.key, { fingerprintHash: plain.hash, prefixHash: entry.prefixHash, tokens: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActivationMismatchError);
    expect(error).toMatchObject({ code: 'MEMOS_ACTIVATION_MISMATCH', field: 'fingerprint', expected: plain.hash, actual: withAdapter.hash });
    await expect(store.lookup(entry.key, { fingerprintHash: withAdapter.hash, prefixHash: tokensHash([9]), tokens: 3 })).rejects.toMatchObject({ field: 'prefix' });
    await expect(store.lookup(entry.key, { fingerprintHash: withAdapter.hash, prefixHash: entry.prefixHash, tokens: 4 })).rejects.toMatchObject({ field: 'tokens' });
    // A truncated state file is refused too.
    await writeFile(entry.path, Buffer.alloc(10));
    await expect(store.lookup(entry.key, { fingerprintHash: withAdapter.hash, prefixHash: entry.prefixHash, tokens: 3 })).rejects.toMatchObject({ field: 'size' });
    // A header that is not JSON.
    await writeFile(join(dir, `${entry.key}.json`), 'not json');
    await expect(store.lookup(entry.key, { fingerprintHash: withAdapter.hash, prefixHash: entry.prefixHash, tokens: 3 })).rejects.toBeInstanceOf(ActivationMismatchError);
  });

  it('finds a matching state and returns undefined for an absent one', async () => {
    const store = createActivationStore({ dir, maxBytes: 10_000 });
    const { entry } = await put(store, [1, 2, 3], 100, { memoryIds: ['m1'] });
    expect(await store.lookup(entry.key, { fingerprintHash: plain.hash, prefixHash: entry.prefixHash, tokens: 3 })).toMatchObject({ key: entry.key, bytes: 100, memoryIds: ['m1'], path: join(dir, `${entry.key}.kv`) });
    const other = activationKey(plain.hash, tokensHash([4]));
    expect(await store.lookup(other, { fingerprintHash: plain.hash, prefixHash: tokensHash([4]), tokens: 1 })).toBeUndefined();
  });

  it('evicts the least recently used states beyond maxBytes', async () => {
    const store = createActivationStore({ dir, maxBytes: 250 });
    const a = await put(store, [1], 100);
    const b = await put(store, [2], 100);
    await store.touch(a.entry); // a is now more recent than b
    const c = await put(store, [3], 100);
    expect(c.evicted.map((e) => e.key)).toEqual([b.entry.key]);
    expect((await store.list()).map((e) => e.key).sort()).toEqual([a.entry.key, c.entry.key].sort());
    expect((await readdir(dir)).sort()).toEqual([`${a.entry.key}.json`, `${a.entry.key}.kv`, `${c.entry.key}.json`, `${c.entry.key}.kv`].sort());
  });

  it('the forget hook removes the states built from forgotten memories or cubes', async () => {
    const store = createActivationStore({ dir, maxBytes: 10_000 });
    const a = await put(store, [1], 10, { memoryIds: ['m1', 'm2'], cubeIds: ['c1'] });
    const b = await put(store, [2], 10, { memoryIds: ['m3'], cubeIds: ['c2'] });
    const hook = createActivationForgetHook(store);
    await hook({ kind: 'items', actor: 'u', cubeIds: [], items: [{ id: 'm2', cubeId: 'c1' }] });
    expect((await store.list()).map((e) => e.key)).toEqual([b.entry.key]);
    await hook({ kind: 'cube', actor: 'u', cubeIds: ['c2'], items: [] });
    expect(await store.list()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
    expect(a.entry.key).not.toBe(b.entry.key);
  });

  it('validates its options', () => {
    expect(() => createActivationStore({ dir: '', maxBytes: 1 })).toThrow(ValidationError);
    expect(() => createActivationStore({ dir, maxBytes: 0 })).toThrow(/maxBytes/);
  });
});
