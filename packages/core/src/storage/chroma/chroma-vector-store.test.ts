import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChromaClient } from 'chromadb';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { MemosError } from '../../errors/memos-error.ts';
import type { EmbedderInfo } from '../../spec/mem-cube.ts';
import type { VectorRecord } from '../../spec/vector-store.ts';
import { createRandom, uniqueSuffix } from '../../testing/fixtures.ts';
import { expectMemosError } from '../../testing/graph-store-conformance.ts';
import { cosineSimilarity } from '../../testing/vector-store-conformance.ts';
import { isRetryableChromaError } from './chroma-errors.ts';
import { parseChromaUrl } from './chroma-options.ts';
import { CHROMA_LAYOUT } from './chroma-spaces.ts';
import type { ChromaVectorStore } from './chroma-vector-store.ts';
import { createChromaVectorStore } from './create-chroma-vector-store.ts';
import { loadChromadb } from './load-chromadb.ts';

const url = inject('chromaUrl') || process.env.MEMOS_CHROMA_URL || '';
if (url === '') throw new Error('No Chroma server: run through vitest (test/global-setup.ts) or set MEMOS_CHROMA_URL');
const collectionPrefix = `t-cvs-${uniqueSuffix()}`;
const raw = new ChromaClient(parseChromaUrl(url));
const stores: ChromaVectorStore[] = [];
let n = 0;

async function open(options: { batchSize?: number; url?: string; efConstruction?: number; maxNeighbors?: number } = {}): Promise<ChromaVectorStore> {
  const store = createChromaVectorStore({ url, collectionPrefix, ...options });
  stores.push(store);
  await store.setup();
  return store;
}

function space(dimension: number): EmbedderInfo {
  return { fingerprint: `test/${uniqueSuffix()}/${dimension}`, dimension };
}

function records(count: number, dimension: number, cubeOf: (i: number) => string, seed = 1): VectorRecord[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    n += 1;
    const vector = Array.from({ length: dimension }, () => random() * 2 - 1);
    return { id: `v${String(n).padStart(6, '0')}`, vector, cubeId: cubeOf(n), ownerId: 'o1', memoryType: 'long_term', createdAt: new Date(n * 1000).toISOString() };
  });
}

/** An HTTP proxy to the real server that can be switched to drop connections or answer with a status. */
async function startProxy(target: string): Promise<{ url: string; mode: { value: 'pass' | 'drop' | number }; server: Server }> {
  const to = new URL(target);
  const mode: { value: 'pass' | 'drop' | number } = { value: 'pass' };
  const server = createServer((req, res) => {
    if (mode.value === 'drop') return void req.socket.destroy();
    if (typeof mode.value === 'number') {
      res.writeHead(mode.value, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: 'Injected', message: `injected ${mode.value}` }));
    }
    const upstream = httpRequest({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, mode, server };
}

async function storageError(promise: Promise<unknown>): Promise<MemosError & { isRetryable: boolean; backend: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(MemosError.isInstance(error), `expected a MemosError, got ${String(error)}`).toBe(true);
  expect((error as MemosError).code).toBe('MEMOS_STORAGE');
  return error as MemosError & { isRetryable: boolean; backend: string };
}

afterAll(async () => {
  const cleaner = await open();
  await cleaner.dropCollections();
  for (const store of stores) await store.close();
});

describe('ChromaVectorStore (real server)', () => {
  it('splits upserts, gets and deletes above the server max batch size', async () => {
    const store = await open();
    const max = await raw.getMaxBatchSize();
    expect(max).toBeGreaterThan(0);
    const s = space(4);
    const all = records(3 * max, 4, (i) => (i % 2 === 0 ? 'big-a' : 'big-b'));
    await store.upsert({ space: s, records: all });
    const listed = await store.listIds({ space: s, cubeIds: ['big-a', 'big-b'] });
    expect(listed).toHaveLength(all.length);
    expect(listed).toStrictEqual(all.map((r) => r.id).sort());
    const got = await store.get({ space: s, ids: all.map((r) => r.id) });
    expect(got.map((r) => r.id)).toStrictEqual(all.map((r) => r.id));
    const hits = await store.query({ space: s, vector: all[17]!.vector, topK: 3, cubeIds: [all[17]!.cubeId] });
    expect(hits[0]).toMatchObject({ id: all[17]!.id });
    await store.delete({ space: s, ids: all.slice(0, 2 * max + 5).map((r) => r.id) });
    expect(await store.listIds({ space: s, cubeIds: ['big-a', 'big-b'] })).toHaveLength(max - 5);
  }, 120_000); // ~16k records through a shared server: ~10 s alone, more when other files load it

  it('pages with a small batchSize and dedupes repeated ids', async () => {
    const store = await open({ batchSize: 7 });
    const s = space(3);
    const batch = records(40, 3, () => 'paged');
    const replaced = { ...batch[3]!, vector: [0, 0, 1], memoryType: 'working' };
    await store.upsert({ space: s, records: [...batch, replaced] });
    expect(await store.listIds({ space: s, cubeIds: ['paged', 'paged'] })).toStrictEqual(batch.map((r) => r.id).sort());
    const got = await store.get({ space: s, ids: [batch[3]!.id, batch[3]!.id, 'nope', batch[0]!.id] });
    expect(got.map((r) => [r.id, r.memoryType])).toStrictEqual([[batch[3]!.id, 'working'], [batch[3]!.id, 'working'], [batch[0]!.id, 'long_term']]);
    expect(got[0]!.vector).toStrictEqual([0, 0, 1]);
    await store.delete({ space: s, ids: batch.slice(0, 30).map((r) => r.id) });
    expect(await store.listIds({ space: s, cubeIds: ['paged'] })).toHaveLength(10);
  });

  it('names one collection per embedder fingerprint and records fingerprint and dimension', async () => {
    const store = await open({ efConstruction: 150, maxNeighbors: 24 });
    const s = space(5);
    await store.upsert({ space: s, records: records(2, 5, () => 'meta') });
    const name = store.collectionName(s);
    expect(name).toMatch(new RegExp(`^${collectionPrefix}_[0-9a-f]{16}$`));
    const collection = await raw.getCollection({ name });
    expect(collection.metadata).toStrictEqual({ fingerprint: s.fingerprint, dimension: 5, memosLayout: CHROMA_LAYOUT });
    expect(collection.configuration).toMatchObject({ hnsw: { space: 'cosine', ef_search: 200, ef_construction: 150, max_neighbors: 24 } });
    expect(store.collectionName({ ...s, dimension: 9 })).toBe(name);
    // Same fingerprint, another dimension: refused, by this store (cached) and by a fresh one (read from the server).
    const wrong = { ...s, dimension: 6 };
    await expectMemosError(store.upsert({ space: wrong, records: records(1, 6, () => 'meta') }), 'MEMOS_VALIDATION');
    await expectMemosError((await open()).query({ space: wrong, vector: [1, 0, 0, 0, 0, 0], topK: 1, cubeIds: ['meta'] }), 'MEMOS_VALIDATION');
    // A collection under our name that belongs to someone else is not used.
    const foreign = space(2);
    await raw.createCollection({ name: store.collectionName(foreign), embeddingFunction: null, metadata: { fingerprint: 'other', dimension: 2 } });
    const clash = await storageError(store.upsert({ space: foreign, records: records(1, 2, () => 'meta') }));
    expect(clash.isRetryable).toBe(false);
    expect(clash.message).toContain('belongs to embedder');
  });

  it('deleteCube removes one cube and leaves the others', async () => {
    const store = await open();
    const s = space(4);
    const all = records(30, 4, (i) => ['dc-a', 'dc-b', 'dc-c'][i % 3] as string);
    await store.upsert({ space: s, records: all });
    await store.deleteCube({ space: s, cubeId: 'dc-b' });
    await store.deleteCube({ space: s, cubeId: '' });
    await store.deleteCube({ space: space(4), cubeId: 'dc-a' }); // a space that was never written: nothing to do
    expect(await store.listIds({ space: s, cubeIds: ['dc-b'] })).toStrictEqual([]);
    expect(await store.listIds({ space: s, cubeIds: ['dc-a', 'dc-c'] })).toStrictEqual(all.filter((r) => r.cubeId !== 'dc-b').map((r) => r.id).sort());
    const hits = await store.query({ space: s, vector: all[0]!.vector, topK: 50, cubeIds: ['dc-a', 'dc-b', 'dc-c'] });
    expect(hits).toHaveLength(20);
    expect(hits.every((hit) => !all.find((r) => r.id === hit.id && r.cubeId === 'dc-b'))).toBe(true);
  });

  it('recreates a collection deleted behind its back; reads of a missing space are empty', async () => {
    const store = await open();
    const s = space(3);
    const [first, second] = records(2, 3, () => 'gone');
    await store.upsert({ space: s, records: [first!] });
    await raw.deleteCollection({ name: store.collectionName(s) });
    expect(await store.query({ space: s, vector: [1, 0, 0], topK: 3, cubeIds: ['gone'] })).toStrictEqual([]);
    await store.upsert({ space: s, records: [second!] });
    expect(await store.listIds({ space: s, cubeIds: ['gone'] })).toStrictEqual([second!.id]);
  });

  it('ranks exactly for broad cube sets (unfiltered query) and selective ones (filtered query)', async () => {
    const store = await open();
    const s = space(8);
    const all = records(400, 8, (i) => (i % 20 === 0 ? 'narrow' : 'wide'), 5);
    await store.upsert({ space: s, records: all });
    const random = createRandom(9);
    for (const cubeIds of [['wide'], ['narrow'], ['wide', 'narrow'], ['wide'], ['narrow']]) {
      for (let q = 0; q < 4; q += 1) {
        const vector = Array.from({ length: 8 }, () => random() * 2 - 1);
        const want = all
          .filter((r) => cubeIds.includes(r.cubeId))
          .map((r) => ({ id: r.id, score: cosineSimilarity(r.vector, vector) }))
          .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
          .slice(0, 5);
        const got = await store.query({ space: s, vector, topK: 5, cubeIds });
        expect(got.map((h) => h.id), `${cubeIds.join('+')} #${q}`).toStrictEqual(want.map((h) => h.id));
        got.forEach((hit, i) => expect(Math.abs(hit.score - want[i]!.score)).toBeLessThanOrEqual(1e-5));
      }
    }
  });

  it('returns ties beyond the first fetch in id order', async () => {
    const store = await open();
    const s = space(21);
    const axis = (j: number, value: number) => Array.from({ length: 21 }, (_, i) => (i === 0 ? 0.5 : i === j ? value : 0));
    // 40 distinct vectors with the same cosine to the query (0.5 on axis 0, ±0.5 on one other axis).
    const tied = Array.from({ length: 40 }, (_, k) => ({
      id: `tie-${String(39 - k).padStart(2, '0')}`, vector: axis(1 + (k % 20), k < 20 ? 0.5 : -0.5), cubeId: 'ties', ownerId: 'o', memoryType: 'm', createdAt: '2024-01-01T00:00:00.000Z',
    }));
    await store.upsert({ space: s, records: [...tied, { ...tied[0]!, id: 'best', vector: axis(0, 0).map((v, i) => (i === 0 ? 1 : i === 1 ? 0.1 : v)) }] });
    const query = axis(0, 0).map((_, i) => (i === 0 ? 1 : 0));
    const hits = await store.query({ space: s, vector: query, topK: 5, cubeIds: ['ties'] });
    expect(hits.map((h) => h.id)).toStrictEqual(['best', 'tie-00', 'tie-01', 'tie-02', 'tie-03']);
    expect(Math.abs(hits[1]!.score - Math.SQRT1_2)).toBeLessThanOrEqual(1e-6);
    const all = await store.query({ space: s, vector: query, topK: 100, cubeIds: ['ties'] });
    expect(all.map((h) => h.id)).toStrictEqual(['best', ...tied.map((r) => r.id).sort()]);
  });

  it('finds records the HNSW graph leaves unreachable (many exact duplicates)', async () => {
    // With 40 identical vectors the HNSW graph sometimes has no edge to a 41st one (about 1 build in 7):
    // the store then scores what a short reply missed from the stored vectors.
    let missed = 0;
    const logger = { debug: () => void (missed += 1), info: () => {}, warn: () => {}, error: () => {} };
    const store = createChromaVectorStore({ url, collectionPrefix, logger });
    stores.push(store);
    await store.setup();
    for (let trial = 0; trial < 8; trial += 1) {
      const s = space(2);
      const dupes = Array.from({ length: 40 }, (_, i) => ({ id: `dup-${String(i).padStart(2, '0')}`, vector: [1, 1], cubeId: 'dupes', ownerId: 'o', memoryType: 'm', createdAt: '2024-01-01T00:00:00.000Z' }));
      await store.upsert({ space: s, records: [...dupes, { ...dupes[0]!, id: 'best', vector: [1, 0.9] }] });
      const hits = await store.query({ space: s, vector: [1, 0.9], topK: 5, cubeIds: ['dupes'] });
      expect(hits.map((h) => h.id), `trial ${trial}`).toStrictEqual(['best', 'dup-00', 'dup-01', 'dup-02', 'dup-03']);
      expect(Math.abs(hits[0]!.score - 1)).toBeLessThanOrEqual(1e-6);
    }
    expect(missed).toBeGreaterThanOrEqual(0); // how often the fallback ran depends on the HNSW build
  });
});

describe('ChromaVectorStore errors', () => {
  it('maps a closed port to a retryable StorageError on setup, and setup can be retried', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const store = createChromaVectorStore({ url: `http://127.0.0.1:${port}`, collectionPrefix });
    const error = await storageError(store.setup());
    expect(error).toMatchObject({ backend: 'chroma', operation: 'setup', isRetryable: true });
    await expectMemosError(store.query({ space: space(2), vector: [1, 0], topK: 1, cubeIds: ['x'] }), 'MEMOS_CLOSED');
    await store.close();
  });

  it('maps a server that goes away (retryable), 5xx (retryable) and 4xx (not) while set up', async () => {
    const proxy = await startProxy(url);
    try {
      const store = await open({ url: proxy.url });
      const s = space(2);
      const [a, b] = records(2, 2, () => 'px');
      await store.upsert({ space: s, records: [a!] });
      proxy.mode.value = 'drop';
      expect(await storageError(store.upsert({ space: s, records: [b!] }))).toMatchObject({ operation: 'upsert', isRetryable: true });
      proxy.mode.value = 503;
      expect(await storageError(store.query({ space: s, vector: [1, 0], topK: 1, cubeIds: ['px'] }))).toMatchObject({ operation: 'query', isRetryable: true });
      proxy.mode.value = 400;
      expect(await storageError(store.listIds({ space: s, cubeIds: ['px'] }))).toMatchObject({ operation: 'listIds', isRetryable: false });
      proxy.mode.value = 'pass';
      await store.upsert({ space: s, records: [b!] });
      expect(await store.listIds({ space: s, cubeIds: ['px'] })).toStrictEqual([a!.id, b!.id]);
    } finally {
      await new Promise<void>((resolve) => proxy.server.close(() => resolve()));
      proxy.server.closeAllConnections();
    }
  });

  it('classifies client errors by name and network codes', () => {
    expect(isRetryableChromaError(Object.assign(new Error('x'), { name: 'ChromaServerError' }))).toBe(true);
    expect(isRetryableChromaError(Object.assign(new Error('413: Payload Too Large'), { name: 'ChromaServerError' }))).toBe(false);
    expect(isRetryableChromaError(Object.assign(new Error('bad'), { name: 'ChromaClientError' }))).toBe(false);
    expect(isRetryableChromaError(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }))).toBe(true);
    expect(isRetryableChromaError(new Error('x', { cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) }))).toBe(true);
    expect(isRetryableChromaError(new Error('plain'))).toBe(false);
  });

  it('validates options, and refuses calls before setup and after close', async () => {
    expect(() => createChromaVectorStore({ url: 'ftp://x' })).toThrow(/http/);
    expect(() => createChromaVectorStore({ url: 'http://h:1/api' })).toThrow(/path/);
    expect(() => createChromaVectorStore({ url, collectionPrefix: '-bad' })).toThrow(/collectionPrefix/);
    expect(() => createChromaVectorStore({ url, batchSize: 0 })).toThrow(/batchSize/);
    expect(createChromaVectorStore({ url: 'https://chroma.example' }).endpoint).toStrictEqual({ host: 'chroma.example', port: 443, ssl: true });
    const store = createChromaVectorStore({ url, collectionPrefix });
    await expectMemosError(store.listIds({ space: space(2), cubeIds: ['x'] }), 'MEMOS_CLOSED');
    await store.setup();
    await store.setup();
    await store.close();
    await expectMemosError(store.setup(), 'MEMOS_CLOSED');
  });

  it('names the install command when chromadb is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package 'chromadb' imported from x"), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await loadChromadb(() => Promise.reject(missing)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MEMOS_DEPENDENCY_MISSING', packageName: 'chromadb', installCommand: 'npm install chromadb' });
    await expect(loadChromadb(() => Promise.reject(new Error('boom')))).rejects.toMatchObject({ code: 'MEMOS_DEPENDENCY_FAILED' });
  });
});
