import type { Collection } from 'chromadb';
import { describe, expect, it } from 'vitest';
import { FilterPlanner, planKey, queryPostFiltered } from './chroma-post-filter.ts';

/** A collection whose `query` returns the given rows (best first) and records the requests. */
function fakeCollection(rows: Array<[id: string, distance: number, cubeId: string]>) {
  const requests: Array<{ nResults?: number; where?: unknown; include?: string[] }> = [];
  const collection = {
    name: 'fake',
    async query(args: { nResults?: number; where?: unknown; include?: string[] }) {
      requests.push(args);
      const page = rows.slice(0, args.nResults);
      return { ids: [page.map((r) => r[0])], distances: [page.map((r) => r[1])], metadatas: [page.map((r) => ({ cubeId: r[2] }))] };
    },
  } as unknown as Collection;
  return { collection, requests };
}

const rows = (count: number, cubeOf: (i: number) => string, distanceOf = (i: number) => i / 1000) =>
  Array.from({ length: count }, (_, i) => [`r${String(i).padStart(4, '0')}`, distanceOf(i), cubeOf(i)] as [string, number, string]);

describe('queryPostFiltered', () => {
  it('answers from an unfiltered reply when enough records of the cubes beat its worst score', async () => {
    const { collection, requests } = fakeCollection(rows(1000, (i) => (i % 3 === 0 ? 'b' : 'a')));
    const { hits, share } = await queryPostFiltered(collection, { vector: [1, 0], topK: 3, cubeIds: ['b'], nResults: 64 });
    expect(hits?.map((h) => h.id)).toStrictEqual(['r0000', 'r0003', 'r0006']);
    expect(hits?.[1]?.score).toBeCloseTo(1 - 0.003, 12);
    expect(share).toBeCloseTo(22 / 64, 12);
    expect(requests[0]).toMatchObject({ nResults: 64, include: ['distances', 'metadatas'] });
    expect(requests[0]?.where).toBeUndefined();
  });

  it('gives up on a short reply, too few matches, or a tie with the worst score', async () => {
    const short = fakeCollection(rows(50, () => 'a'));
    expect(await queryPostFiltered(short.collection, { vector: [1], topK: 3, cubeIds: ['a'], nResults: 64 })).toStrictEqual({});
    const few = fakeCollection(rows(1000, (i) => (i === 5 ? 'b' : 'a')));
    expect(await queryPostFiltered(few.collection, { vector: [1], topK: 3, cubeIds: ['b'], nResults: 64 })).toStrictEqual({ share: 1 / 64 });
    // Every record ties: more tied records of the cube may lie beyond the reply.
    const tied = fakeCollection(rows(1000, () => 'a', () => 0.5));
    expect((await queryPostFiltered(tied.collection, { vector: [1], topK: 3, cubeIds: ['a'], nResults: 64 })).hits).toBeUndefined();
  });

  it('orders equal scores by id', async () => {
    const { collection } = fakeCollection(rows(100, () => 'a', (i) => (i < 4 ? 0.1 : 0.2 + i / 1000)).reverse().sort((x, y) => x[1] - y[1]));
    const { hits } = await queryPostFiltered(collection, { vector: [1], topK: 2, cubeIds: ['a'], nResults: 56 });
    expect(hits?.map((h) => h.id)).toStrictEqual(['r0000', 'r0001']);
  });
});

describe('FilterPlanner', () => {
  it('sizes the unfiltered attempt from the share seen, skips selective cube sets and retries them now and then', () => {
    const planner = new FilterPlanner({ capacity: 2, retryEvery: 3 });
    const key = planKey('c', ['y', 'x']);
    expect(key).toBe(planKey('c', ['x', 'y']));
    expect(planner.plan(key, 10)).toBe(30); // unknown: 2 * topK + 10
    planner.record(key, 0.9);
    expect(planner.plan(key, 10)).toBe(30); // 1.5 * 11 / 0.9 = 19, at least the base
    planner.record(key, 0.5);
    expect(planner.plan(key, 10)).toBe(33); // 1.5 * 11 / 0.5
    planner.record(key, 0.02);
    expect(planner.plan(key, 10)).toBe(825); // 1.5 * 11 / 0.02
    planner.record(key, 0.001); // would need 16,500 results: filtered query, retried every 3rd time
    expect([planner.plan(key, 10), planner.plan(key, 10), planner.plan(key, 10)]).toStrictEqual([undefined, undefined, 30]);
    planner.record(key, undefined); // small collection: filtered (exact) path
    expect(planner.plan(key, 10)).toBeUndefined();
    planner.record('k2', 1);
    planner.record('k3', 1); // capacity 2: the oldest entry (key) goes
    expect(planner.plan(key, 10)).toBe(30);
    expect(planner.plan('big', 600)).toBe(1000);
  });
});
