import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemOS, type MemOS } from '../../mos.ts';
import { createSqliteStorage } from '../../storage/sqlite/index.ts';
import { interceptedVectorStore, type InterceptedVectorStore } from '../../testing/intercepted-vector-store.ts';

// Background vector repair (and every vector write) races with changes made by this runtime or by
// another one on the same store. Each case holds a vector call while the racing change commits,
// then checks that no stale vector stays and no deleted item gets its vector back.

let dir: string;
let opened: MemOS[] = [];

afterEach(async () => {
  for (const mos of opened) await mos.close();
  opened = [];
  rmSync(dir, { recursive: true, force: true });
});

/** Runtime `a` (its vector store intercepted) and runtime `b` (plain) on one SQLite file, user `u`, cube `c`. */
async function twoRuntimes(): Promise<{ a: MemOS; b: MemOS; vector: InterceptedVectorStore }> {
  dir = mkdtempSync(join(tmpdir(), 'memos-vector-races-'));
  const path = join(dir, 'memos.db');
  const sqlite = createSqliteStorage({ path });
  const vector = interceptedVectorStore(sqlite.vector);
  const a = createMemOS({ storage: { kind: 'custom', graph: sqlite.graph, vector }, vectorRetry: false, trackAccess: false });
  const b = createMemOS({ storage: { kind: 'sqlite', path }, vectorRetry: false, trackAccess: false });
  opened = [a, b];
  await a.setup();
  await b.setup();
  await a.createUser({ id: 'u', name: 'U' });
  await a.createCube({ userId: 'u', id: 'c', name: 'C' });
  return { a, b, vector };
}

/** The stored vector of `id`, or undefined. */
async function storedVector(mos: MemOS, id: string): Promise<number[] | undefined> {
  return (await mos.vector.get({ space: mos.embedder, ids: [id] }))[0]?.vector;
}

/** Whether the stored vector of `id` is the embedding of `text`. */
async function holdsEmbeddingOf(mos: MemOS, id: string, text: string): Promise<boolean> {
  const [vector, [expected]] = [await storedVector(mos, id), await mos.embedder.embed([text])];
  return vector !== undefined && expected !== undefined && vector.every((x, i) => Math.abs(x - (expected[i] ?? Number.NaN)) < 1e-5);
}

/** An item whose vector write failed (state `failed`), so that `repair()` re-embeds it. */
async function failedItem(mos: MemOS, vector: InterceptedVectorStore, text: string): Promise<string> {
  vector.interceptNext('upsert', async () => {
    throw new Error('vector store down (fault injected)');
  });
  const { items } = await mos.add({ userId: 'u', cubeId: 'c', text });
  expect(items[0]?.vectorSyncState).toBe('failed');
  return items[0]!.id;
}

describe('vector writes under concurrent changes', () => {
  it('repair racing an update never leaves the stale vector it embedded', async () => {
    const { a, b, vector } = await twoRuntimes();
    const id = await failedItem(a, vector, 'my cat is called Miso');
    // The repair embeds the old text; before its upsert lands, runtime b changes the text (and writes its own vector).
    vector.interceptNext('upsert', async () => {
      await b.update({ userId: 'u', id, text: 'my dog is called Pretzel' });
      expect(await holdsEmbeddingOf(a, id, 'my dog is called Pretzel')).toBe(true);
    });
    const [report] = await a.repair({ userId: 'u' });
    expect(vector.armed).toBe(0);
    expect(report).toMatchObject({ stillFailing: 0 });
    expect(await holdsEmbeddingOf(a, id, 'my dog is called Pretzel')).toBe(true);
    const item = await a.get({ userId: 'u', id });
    expect([item.version, item.text, item.vectorSyncState]).toStrictEqual([2, 'my dog is called Pretzel', 'synced']);
    // The item is found by its new text through the vector signal, and not by the old one.
    const vectorOnly = { vector: 1, keyword: 0, graph: 0 };
    expect((await a.search({ userId: 'u', query: 'dog Pretzel', weights: vectorOnly })).hits[0]?.item.id).toBe(id);
  });

  it('repair racing a delete never resurrects the deleted item\'s vector', async () => {
    const { a, b, vector } = await twoRuntimes();
    const id = await failedItem(a, vector, 'the safe code is 4711');
    vector.interceptNext('upsert', async () => {
      await b.delete({ userId: 'u', id });
    });
    await a.repair({ userId: 'u' });
    expect(vector.armed).toBe(0);
    expect(await storedVector(a, id)).toBeUndefined();
    expect(await a.vector.listIds({ space: a.embedder, cubeIds: ['c'] })).toStrictEqual([]);
    const item = await b.get({ userId: 'u', id });
    expect([item.status, item.vectorSyncState]).toStrictEqual(['deleted', 'none']);
  });

  it('an update racing another update of the same item in another runtime ends with the newest text\'s vector', async () => {
    const { a, b, vector } = await twoRuntimes();
    const { items } = await a.add({ userId: 'u', cubeId: 'c', text: 'version one' });
    const id = items[0]!.id;
    // a commits "version two", then b commits and vectors "version three" before a's vector write lands.
    vector.interceptNext('upsert', async () => {
      await b.update({ userId: 'u', id, text: 'version three' });
    });
    const mine = await a.update({ userId: 'u', id, text: 'version two' });
    expect(mine.version).toBe(2);
    expect(await holdsEmbeddingOf(a, id, 'version three')).toBe(true);
    const item = await a.get({ userId: 'u', id });
    expect([item.version, item.text, item.vectorSyncState]).toStrictEqual([3, 'version three', 'synced']);
  });

  it('a delete racing a restore in another runtime leaves the restored item its vector', async () => {
    const { a, b, vector } = await twoRuntimes();
    const { items } = await a.add({ userId: 'u', cubeId: 'c', text: 'the lake house in June' });
    const id = items[0]!.id;
    // a's delete commits; before a removes the vector, b restores the item (and writes its vector).
    vector.interceptNext('delete', async () => {
      await b.rollback({ userId: 'u', id, version: 1 });
      expect(await holdsEmbeddingOf(b, id, 'the lake house in June')).toBe(true);
    });
    await a.delete({ userId: 'u', id });
    expect(vector.armed).toBe(0);
    const item = await a.get({ userId: 'u', id });
    expect([item.status, item.version]).toStrictEqual(['active', 3]);
    expect(await holdsEmbeddingOf(a, id, 'the lake house in June')).toBe(true);
  });

  it('repair does not remove the vector of an item added after it listed the cube', async () => {
    const { a, b, vector } = await twoRuntimes();
    await failedItem(a, vector, 'an older note');
    let added = '';
    // The repair read the cube's items; before it lists the stored vectors, b adds an item (with its vector).
    vector.interceptNext('listIds', async () => {
      added = (await b.add({ userId: 'u', cubeId: 'c', text: 'a brand new note' })).items[0]!.id;
    });
    const [report] = await a.repair({ userId: 'u' });
    expect(report).toMatchObject({ orphansRemoved: 1, stillFailing: 0 });
    expect(await holdsEmbeddingOf(a, added, 'a brand new note')).toBe(true);
    expect((await a.get({ userId: 'u', id: added })).vectorSyncState).toBe('synced');
  });
});
