import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemOS, type MemOS } from '../../mos.ts';
import { createSqliteStorage } from '../../storage/sqlite/index.ts';
import { flakyVectorStore, type FlakyVectorStore } from '../../testing/flaky-vector-store.ts';

let mos: MemOS;
let vector: FlakyVectorStore;

async function setup(vectorRetry: false | { initialDelayMs: number }) {
  const sqlite = createSqliteStorage({ path: ':memory:' });
  vector = flakyVectorStore(sqlite.vector);
  mos = createMemOS({ storage: { kind: 'custom', graph: sqlite.graph, vector }, vectorRetry });
  await mos.setup();
  await mos.createUser({ id: 'u', name: 'U' });
  await mos.createCube({ userId: 'u', id: 'c', name: 'C' });
}

const vectorOnly = { vector: 1, keyword: 0, graph: 0 };

afterEach(async () => {
  await mos.close();
});

describe('vector repair and retry', () => {
  it('acknowledges writes while the vector store is down and repairs them later', async () => {
    await setup(false);
    vector.down = true;
    const { items } = await mos.add({ userId: 'u', cubeId: 'c', messages: [{ role: 'user', content: 'I adopted a beagle called Biscuit' }, { role: 'user', content: 'I run marathons in Lisbon' }] });
    expect(items.map((i) => i.vectorSyncState)).toEqual(['failed', 'failed']);
    expect(vector.refused).toBeGreaterThan(0);
    vector.down = false;
    // Acknowledged: stored and findable by keyword, but not yet by vector.
    expect((await mos.search({ userId: 'u', query: 'beagle Biscuit', weights: { vector: 0 } })).hits[0]?.item.id).toBe(items[0]!.id);
    expect((await mos.search({ userId: 'u', query: 'beagle Biscuit', weights: vectorOnly })).hits).toEqual([]);
    const [report] = await mos.repair({ userId: 'u' });
    expect(report).toEqual({ cubeId: 'c', items: 2, reembedded: 2, orphansRemoved: 0, stillFailing: 0 });
    expect((await mos.get({ userId: 'u', id: items[0]!.id })).vectorSyncState).toBe('synced');
    expect((await mos.search({ userId: 'u', query: 'beagle Biscuit', weights: vectorOnly })).hits[0]?.item.id).toBe(items[0]!.id);
    expect(await mos.repair({ userId: 'u', cubeIds: ['c'] })).toEqual([{ cubeId: 'c', items: 2, reembedded: 0, orphansRemoved: 0, stillFailing: 0 }]);
  });

  it('removes orphan vectors: of deleted items and of unknown ids', async () => {
    await setup(false);
    const { items } = await mos.add({ userId: 'u', cubeId: 'c', text: 'soon deleted' });
    vector.down = true;
    await mos.delete({ userId: 'u', id: items[0]!.id });
    vector.down = false;
    await vector.upsert({ space: mos.embedder, records: [{ id: 'ghost', vector: (await mos.embedder.embed(['ghost']))[0]!, cubeId: 'c', ownerId: 'u', memoryType: 'x', createdAt: new Date().toISOString() }] });
    expect((await vector.listIds({ space: mos.embedder, cubeIds: ['c'] })).sort()).toEqual([items[0]!.id, 'ghost'].sort());
    const [report] = await mos.repair({ userId: 'u' });
    expect(report).toMatchObject({ orphansRemoved: 2, reembedded: 0 });
    expect(await vector.listIds({ space: mos.embedder, cubeIds: ['c'] })).toEqual([]);
  });

  it('fails with a retryable StorageError while the store is still down, and reports what is still failing', async () => {
    await setup(false);
    vector.down = true;
    await mos.add({ userId: 'u', cubeId: 'c', text: 'pending item' });
    await expect(mos.repair({ userId: 'u' })).rejects.toMatchObject({ code: 'MEMOS_STORAGE', isRetryable: true });
    await expect(mos.repair({ userId: 'bob' as string })).rejects.toMatchObject({ code: 'MEMOS_NOT_FOUND' });
  });

  it('retries failed vector writes in the background until they succeed', async () => {
    await setup({ initialDelayMs: 20 });
    vector.down = true;
    const { items } = await mos.add({ userId: 'u', cubeId: 'c', text: 'retried in the background' });
    expect(mos.pendingVectorRetries).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await mos.get({ userId: 'u', id: items[0]!.id })).vectorSyncState).toBe('failed');
    vector.down = false;
    await vi.waitFor(async () => {
      expect(mos.pendingVectorRetries).toBe(0);
      expect((await mos.get({ userId: 'u', id: items[0]!.id })).vectorSyncState).toBe('synced');
    }, { timeout: 5_000, interval: 20 });
    expect((await mos.search({ userId: 'u', query: 'retried background', weights: vectorOnly })).hits[0]?.item.id).toBe(items[0]!.id);
  });
});
