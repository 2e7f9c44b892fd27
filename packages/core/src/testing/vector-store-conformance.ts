import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScoredId } from '../spec/graph-store.ts';
import type { EmbedderInfo } from '../spec/mem-cube.ts';
import type { VectorRecord, VectorStore } from '../spec/vector-store.ts';
import { compareStrings } from '../storage/item-filter/compare-items.ts';
import { createFixtures, createRandom, uniqueSuffix, type Fixtures } from './fixtures.ts';
import { expectMemosError } from './graph-store-conformance.ts';

/** Options of {@link describeVectorStoreConformance}. */
export interface VectorStoreConformanceOptions {
  /** Suite name, e.g. `sqlite`. */
  name: string;
  /** A set-up store for one test; may share data with other tests (ids and cube ids are unique per test). */
  create: () => Promise<VectorStore>;
  /** Releases the store after each test (it may already be closed). Default: `store.close()`. */
  destroy?: (store: VectorStore) => Promise<void>;
}

/** Reference cosine similarity in double precision. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((value, i) => {
    const other = b[i] ?? 0;
    dot += value * other;
    na += value * value;
    nb += other * other;
  });
  return dot / Math.sqrt(na * nb);
}

function randomVector(random: () => number, dimension: number): number[] {
  return Array.from({ length: dimension }, () => Math.round((random() * 2 - 1) * 1000) / 1000);
}

function expectVectorsClose(got: VectorRecord[], expected: VectorRecord[]): void {
  expect(got.map(({ vector: _v, ...rest }) => rest)).toStrictEqual(expected.map(({ vector: _v, ...rest }) => rest));
  got.forEach((record, i) => {
    const want = expected[i]?.vector ?? [];
    expect(record.vector).toHaveLength(want.length);
    record.vector.forEach((value, j) => expect(Math.abs(value - (want[j] ?? Number.NaN))).toBeLessThanOrEqual(1e-6));
  });
}

/**
 * Registers the VectorStore conformance suite (vitest `describe`/`it`): upsert/get/query/delete/
 * deleteCube/listIds, cosine scores against a reference, cube isolation, replace by id, separate
 * embedder spaces, validation (wrong dimension, NaN, Infinity, zero vector: nothing written), ties
 * by id, ClosedError after close.
 */
export function describeVectorStoreConformance(options: VectorStoreConformanceOptions): void {
  describe(`VectorStore conformance: ${options.name}`, () => {
    let store: VectorStore;
    let fx: Fixtures;
    let space: EmbedderInfo;
    let cubes: Set<string>;
    let spaces: EmbedderInfo[];
    let closed = false;
    const cube = (name: string) => {
      const id = fx.id(name);
      cubes.add(id);
      return id;
    };
    const record = (cubeId: string, vector: number[], id?: string): VectorRecord =>
      fx.vectorRecord({ cubeId, vector, ...(id === undefined ? {} : { id: fx.id(id) }) });
    const reference = (records: VectorRecord[], vector: number[], cubeIds: string[], topK: number): ScoredId[] =>
      records
        .filter((r) => cubeIds.includes(r.cubeId))
        .map((r) => ({ id: r.id, score: cosineSimilarity(r.vector, vector) }))
        .sort((a, b) => b.score - a.score || compareStrings(a.id, b.id))
        .slice(0, topK);
    const expectRanking = (got: ScoredId[], expected: ScoredId[]) => {
      expect(got.map((hit) => hit.id)).toStrictEqual(expected.map((hit) => hit.id));
      got.forEach((hit, i) => expect(Math.abs(hit.score - (expected[i]?.score ?? Number.NaN))).toBeLessThanOrEqual(1e-5));
    };

    beforeEach(async () => {
      store = await options.create();
      fx = createFixtures({ prefix: `cv${uniqueSuffix()}` });
      space = { fingerprint: `conformance/${fx.prefix}/8`, dimension: 8 };
      spaces = [space];
      cubes = new Set();
      closed = false;
    });

    afterEach(async () => {
      if (!closed) for (const s of spaces) for (const cubeId of cubes) await store.deleteCube({ space: s, cubeId });
      await (options.destroy ? options.destroy(store) : store.close());
    });

    it('upserts and gets records in the asked order, unknown ids omitted', async () => {
      const a = cube('a');
      const random = createRandom(1);
      const records = [record(a, randomVector(random, 8)), record(a, randomVector(random, 8)), record(cube('b'), randomVector(random, 8))];
      await store.upsert({ space, records });
      const got = await store.get({ space, ids: [records[2]!.id, fx.id('missing'), records[0]!.id] });
      expectVectorsClose(got, [records[2]!, records[0]!]);
      expect(await store.get({ space, ids: [] })).toStrictEqual([]);
      expect((await store.listIds({ space, cubeIds: [a] })).sort()).toStrictEqual([records[0]!.id, records[1]!.id].sort());
    });

    it('queries by cosine similarity within the cubes, best first', async () => {
      const [a, b, c] = [cube('a'), cube('b'), cube('c')];
      const random = createRandom(2);
      const records = Array.from({ length: 30 }, (_, i) => record([a, b, c][i % 3] as string, randomVector(random, 8)));
      await store.upsert({ space, records });
      for (let trial = 0; trial < 6; trial += 1) {
        const vector = randomVector(random, 8);
        const cubeIds = trial % 2 === 0 ? [a] : [a, c];
        const topK = [1, 5, 100][trial % 3] as number;
        expectRanking(await store.query({ space, vector, topK, cubeIds }), reference(records, vector, cubeIds, topK));
      }
      const exact = records[4]!;
      const hits = await store.query({ space, vector: exact.vector.map((v) => v * 3), topK: 1, cubeIds: [exact.cubeId] });
      expect(hits[0]?.id).toBe(exact.id);
      expect(Math.abs((hits[0]?.score ?? 0) - 1)).toBeLessThanOrEqual(1e-5);
      expect(await store.query({ space, vector: exact.vector, topK: 5, cubeIds: [] })).toStrictEqual([]);
      expect(await store.query({ space, vector: exact.vector, topK: 0, cubeIds: [a] })).toStrictEqual([]);
      expect(await store.query({ space, vector: exact.vector, topK: 5, cubeIds: [fx.id('empty')] })).toStrictEqual([]);
    });

    it('orders ties by id and cuts ties at topK by id', async () => {
      const a = cube('a');
      const vector = [1, 0, 0, 0, 0, 0, 0, 0];
      const same = ['t3', 't1', 't4', 't2'].map((id) => record(a, [0.5, 0.5, 0, 0, 0, 0, 0, 0], id));
      const best = record(a, [1, 0.1, 0, 0, 0, 0, 0, 0], 't9');
      await store.upsert({ space, records: [...same, best] });
      const expected = [best.id, fx.id('t1'), fx.id('t2'), fx.id('t3')];
      expect((await store.query({ space, vector, topK: 4, cubeIds: [a] })).map((hit) => hit.id)).toStrictEqual(expected);
      expect((await store.query({ space, vector, topK: 2, cubeIds: [a] })).map((hit) => hit.id)).toStrictEqual(expected.slice(0, 2));
    });

    it('replaces by id, including a move to another cube', async () => {
      const [a, b] = [cube('a'), cube('b')];
      const first = record(a, [1, 0, 0, 0, 0, 0, 0, 0], 'r');
      await store.upsert({ space, records: [first, record(a, [0, 1, 0, 0, 0, 0, 0, 0], 'other')] });
      const moved = { ...first, cubeId: b, vector: [0, 0, 1, 0, 0, 0, 0, 0], memoryType: 'working', ownerId: fx.id('o2') };
      await store.upsert({ space, records: [moved] });
      expectVectorsClose(await store.get({ space, ids: [first.id] }), [moved]);
      expect((await store.listIds({ space, cubeIds: [a] })).sort()).toStrictEqual([fx.id('other')]);
      expect((await store.listIds({ space, cubeIds: [a, b] })).sort()).toStrictEqual([fx.id('other'), first.id].sort());
      const hits = await store.query({ space, vector: [0, 0, 1, 0, 0, 0, 0, 0], topK: 5, cubeIds: [a, b] });
      expect(hits[0]?.id).toBe(first.id);
      expect(hits.filter((hit) => hit.id === first.id)).toHaveLength(1);
    });

    it('deletes by id and by cube, ignoring unknown ids', async () => {
      const [a, b] = [cube('a'), cube('b')];
      const random = createRandom(3);
      const records = [record(a, randomVector(random, 8)), record(a, randomVector(random, 8)), record(b, randomVector(random, 8))];
      await store.upsert({ space, records });
      await store.delete({ space, ids: [records[0]!.id, fx.id('missing')] });
      expect((await store.listIds({ space, cubeIds: [a, b] })).sort()).toStrictEqual([records[1]!.id, records[2]!.id].sort());
      expect(await store.get({ space, ids: [records[0]!.id] })).toStrictEqual([]);
      await store.deleteCube({ space, cubeId: a });
      expect((await store.listIds({ space, cubeIds: [a, b] })).sort()).toStrictEqual([records[2]!.id]);
      expect((await store.query({ space, vector: records[1]!.vector, topK: 5, cubeIds: [a, b] })).map((hit) => hit.id)).toStrictEqual([records[2]!.id]);
    });

    it('keeps embedder spaces apart (different fingerprints or dimensions)', async () => {
      const a = cube('a');
      const wide: EmbedderInfo = { fingerprint: `conformance/${fx.prefix}/16`, dimension: 16 };
      const sibling: EmbedderInfo = { fingerprint: `conformance/${fx.prefix}/other`, dimension: 8 };
      spaces.push(wide, sibling);
      const narrow = record(a, [1, 0, 0, 0, 0, 0, 0, 0], 'shared');
      const broad = { ...narrow, vector: Array.from({ length: 16 }, (_, i) => (i === 15 ? 1 : 0)) };
      await store.upsert({ space, records: [narrow] });
      await store.upsert({ space: wide, records: [broad] });
      expectVectorsClose(await store.get({ space: wide, ids: [narrow.id] }), [broad]);
      expectVectorsClose(await store.get({ space, ids: [narrow.id] }), [narrow]);
      expect((await store.listIds({ space: sibling, cubeIds: [a] })).sort()).toStrictEqual([]);
      expect(await store.query({ space: sibling, vector: narrow.vector, topK: 3, cubeIds: [a] })).toStrictEqual([]);
      await store.delete({ space: wide, ids: [narrow.id] });
      expect((await store.listIds({ space, cubeIds: [a] })).sort()).toStrictEqual([narrow.id]);
    });

    it('rejects invalid vectors with ValidationError and writes nothing', async () => {
      const a = cube('a');
      const good = record(a, [1, 2, 3, 4, 5, 6, 7, 8]);
      const bad: number[][] = [[1, 2, 3], [1, 2, 3, 4, 5, 6, 7, Number.NaN], [1, 2, 3, 4, 5, 6, 7, Number.POSITIVE_INFINITY], [0, 0, 0, 0, 0, 0, 0, 0]];
      for (const vector of bad) {
        await expectMemosError(store.upsert({ space, records: [good, record(a, vector)] }), 'MEMOS_VALIDATION');
        await expectMemosError(store.query({ space, vector, topK: 3, cubeIds: [a] }), 'MEMOS_VALIDATION');
      }
      expect((await store.listIds({ space, cubeIds: [a] })).sort()).toStrictEqual([]);
      expect(await store.get({ space, ids: [good.id] })).toStrictEqual([]);
    });

    it('throws ClosedError after close (and close is idempotent)', async () => {
      await store.close();
      closed = true;
      await store.close();
      const vector = [1, 0, 0, 0, 0, 0, 0, 0];
      const calls: Promise<unknown>[] = [
        store.upsert({ space, records: [record('x', vector)] }),
        store.query({ space, vector, topK: 1, cubeIds: ['x'] }),
        store.delete({ space, ids: ['x'] }),
        store.deleteCube({ space, cubeId: 'x' }),
        store.listIds({ space, cubeIds: ['x'] }),
        store.get({ space, ids: ['x'] }),
      ];
      for (const call of calls) await expectMemosError(call, 'MEMOS_CLOSED');
    });
  });
}
