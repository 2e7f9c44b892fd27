import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemosError } from '../errors/memos-error.ts';
import type { GraphStore } from '../spec/graph-store.ts';
import type { EdgeType, MemoryEdge, MemoryItem, MemoryStatus } from '../spec/memory-item.ts';
import type { ItemFilter } from '../spec/search.ts';
import { createFixtures, isoAt, toItemWrite, uniqueSuffix, type Fixtures } from './fixtures.ts';
import { registerConcurrencyConformance } from './graph-store-conformance-concurrency.ts';
import { registerKeywordConformance } from './graph-store-conformance-keyword.ts';
import { registerNeighborConformance } from './graph-store-conformance-neighbors.ts';
import { registerQueryConformance } from './graph-store-conformance-queries.ts';
import { registerTimeTravelConformance } from './graph-store-conformance-time-travel.ts';
import { registerGovernanceConformance } from './graph-store-conformance-governance.ts';
import { registerRecordConformance } from './graph-store-conformance-records.ts';

/** Options of {@link describeGraphStoreConformance}. */
export interface GraphStoreConformanceOptions {
  /** Suite name, e.g. `sqlite`. */
  name: string;
  /**
   * A set-up store for one test. It may share data with other tests (a server database): the suite
   * only touches ids and cube ids with a unique per-test prefix, and never expects a store to be
   * empty.
   */
  create: () => Promise<GraphStore>;
  /** Releases the store after each test (it may already be closed). Default: `store.close()`. */
  destroy?: (store: GraphStore) => Promise<void>;
}

/** Per-test state shared with the suite's parts. */
export interface GraphConformanceContext {
  /** The store under test. */
  readonly store: GraphStore;
  /** Fixtures whose ids carry this test's unique prefix. */
  readonly fx: Fixtures;
  /** A cube id unique to this test, removed from the store after the test. */
  cube(name: string): string;
}

/** Asserts that `promise` rejects with a MemosError of `code` (works across package copies). */
/** The rejection of `promise` (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<MemosError & Record<string, unknown>> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(MemosError.isInstance(error), `expected a MemosError, got ${String(error)}`).toBe(true);
  return error as MemosError & Record<string, unknown>;
}

export async function expectMemosError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(MemosError.isInstance(error), `expected a MemosError ${code}, got ${String(error)}`).toBe(true);
  expect((error as MemosError).code).toBe(code);
}

const byEdgeKey = (a: MemoryEdge, b: MemoryEdge) => (a.from + a.to + a.type < b.from + b.to + b.type ? -1 : 1);

/**
 * Registers the GraphStore conformance suite (vitest `describe`/`it`): every backend must pass it
 * unchanged. Covers users, cubes, write/get/replace/atomicity with exact round-trips, every
 * ItemFilter field against `matchesFilter`, pagination and ordering, versions, edges, audit,
 * keyword statistics and BM25 search against a reference, neighbour expansion, deleteCube, touch,
 * vector sync state and ClosedError after close.
 */
export function describeGraphStoreConformance(options: GraphStoreConformanceOptions): void {
  describe(`GraphStore conformance: ${options.name}`, () => {
    let store: GraphStore;
    let fx: Fixtures;
    let cubes: Set<string>;
    let closed = false;
    const ctx: GraphConformanceContext = {
      get store() {
        return store;
      },
      get fx() {
        return fx;
      },
      cube(name) {
        const id = fx.id(name);
        cubes.add(id);
        return id;
      },
    };

    beforeEach(async () => {
      store = await options.create();
      fx = createFixtures({ prefix: `cf${uniqueSuffix()}` });
      cubes = new Set();
      closed = false;
    });

    afterEach(async () => {
      if (!closed) for (const cubeId of cubes) await store.deleteCube(cubeId);
      await (options.destroy ? options.destroy(store) : store.close());
    });

    it('setup is idempotent', async () => {
      const item = fx.item({ cubeId: ctx.cube('a') });
      await store.write({ items: [toItemWrite(item)] });
      await store.setup();
      expect(await store.getItems([item.id])).toStrictEqual([item]);
      expect(typeof store.backend).toBe('string');
    });

    it('round-trips users and replaces them by id', async () => {
      const admin = fx.user({ role: 'admin' });
      const user = fx.user();
      await store.putUser(admin);
      await store.putUser(user);
      expect(await store.getUser(admin.id)).toStrictEqual(admin);
      expect(await store.getUser(fx.id('nobody'))).toBeUndefined();
      const renamed = { ...user, name: 'Renamed' };
      await store.putUser(renamed);
      const ours = (await store.listUsers()).filter((u) => u.id.startsWith(fx.prefix)).sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(ours).toStrictEqual([admin, renamed]);
    });

    it('round-trips cubes with and without optional fields and replaces them by id', async () => {
      const plain = fx.cube({ id: ctx.cube('plain') });
      const full = fx.cube({
        id: ctx.cube('full'),
        description: 'A cube with everything',
        acl: [{ userId: fx.id('u1'), access: 'read' }, { userId: fx.id('u2'), access: 'write' }],
        lineage: { parentCubeId: fx.id('parent'), migratedFrom: 'neo4j', loadedFrom: '/tmp/dump.json' },
        embedder: { fingerprint: 'llama/nomic-embed/768', dimension: 768 },
      });
      await store.putCube(plain);
      await store.putCube(full);
      expect(await store.getCube(plain.id)).toStrictEqual(plain);
      expect(await store.getCube(full.id)).toStrictEqual(full);
      expect(await store.getCube(fx.id('none'))).toBeUndefined();
      const updated = { ...plain, name: 'Updated', acl: [{ userId: fx.id('u3'), access: 'write' as const }] };
      await store.putCube(updated);
      const ours = (await store.listCubes()).filter((c) => c.id.startsWith(fx.prefix)).sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(ours).toStrictEqual([full, updated].sort((a, b) => (a.id < b.id ? -1 : 1)));
    });

    it('round-trips every MemoryItem field exactly; getItems keeps the asked order and omits unknown ids', async () => {
      const cubeId = ctx.cube('a');
      const full = fx.fullItem({ cubeId });
      const minimal = fx.item({ cubeId, text: '', key: '', confidence: 0, importance: -1.5 });
      const activation = fx.item({ cubeId, kind: 'activation', memoryType: 'custom-type', payloadRef: 'kv/1.bin', status: 'archived' });
      await store.write({ items: [toItemWrite(full), toItemWrite(minimal), toItemWrite(activation, [])] });
      const got = await store.getItems([activation.id, fx.id('missing'), minimal.id, full.id]);
      expect(got).toStrictEqual([activation, minimal, full]);
      for (const key of ['sessionId', 'validAt', 'invalidAt', 'expiredAt', 'expiresAt', 'lastAccessedAt', 'embeddingModel', 'payloadRef']) {
        expect(Object.hasOwn(got[1] as object, key), `${key} must stay absent`).toBe(false);
      }
      expect(await store.getItems([])).toStrictEqual([]);
    });

    it('getItems with cubeIds returns only items of those cubes (the scope is in the query)', async () => {
      const a = ctx.cube('a');
      const b = ctx.cube('b');
      const inA = fx.item({ cubeId: a });
      const inB = fx.item({ cubeId: b });
      await store.write({ items: [toItemWrite(inA), toItemWrite(inB)] });
      expect(await store.getItems([inB.id, inA.id], { cubeIds: [a] })).toStrictEqual([inA]);
      expect(await store.getItems([inB.id, inA.id], { cubeIds: [b, a] })).toStrictEqual([inB, inA]);
      expect(await store.getItems([inA.id], { cubeIds: [] })).toStrictEqual([]);
      expect(await store.getItems([inA.id], { cubeIds: [ctx.cube('c')] })).toStrictEqual([]);
      await expectMemosError(store.getItems([inA.id], { cubeIds: [1 as unknown as string] }), 'MEMOS_VALIDATION');
    });

    it('replaces an item by id, including its keyword terms', async () => {
      const cubeId = ctx.cube('a');
      const first = fx.item({ cubeId, text: 'apple pie', tags: ['fruit'] });
      await store.write({ items: [toItemWrite(first, ['appl', 'pie'])] });
      const second: MemoryItem = { ...first, text: 'banana bread', tags: [], status: 'archived', version: 2, updatedAt: isoAt(99999), sessionId: 's' };
      await store.write({ items: [toItemWrite(second, ['banana', 'bread', 'banana'])] });
      expect(await store.getItems([first.id])).toStrictEqual([second]);
      expect(await store.countItems({ ids: [first.id] })).toBe(1);
      const stats = await store.keywordStats({ terms: ['appl', 'banana'], filter: { ids: [first.id] } });
      expect(stats).toStrictEqual({ docCount: 1, totalLength: 3, df: { appl: 0, banana: 1 } });
      const search = (weights: Record<string, number>, filter: ItemFilter) =>
        store.keywordSearch({ weights, k1: 1.2, b: 0.75, avgDocLength: 3, filter, limit: 10 }).then((hits) => hits.map((hit) => hit.id));
      expect(await search({ appl: 1 }, { cubeIds: [cubeId] })).toStrictEqual([]);
      expect(await search({ banana: 1 }, { cubeIds: [cubeId], statuses: ['active'] })).toStrictEqual([]);
      expect(await search({ banana: 1 }, { cubeIds: [cubeId], statuses: ['archived'] })).toStrictEqual([first.id]);
      const otherCube = ctx.cube('b');
      await store.write({ items: [toItemWrite({ ...second, cubeId: otherCube, status: 'active' }, ['banana'])] });
      expect(await search({ banana: 1 }, { cubeIds: [cubeId] })).toStrictEqual([]);
      expect(await search({ banana: 1 }, { cubeIds: [otherCube], statuses: ['active'] })).toStrictEqual([first.id]);
      expect(await store.keywordStats({ terms: ['banana'], filter: { cubeIds: [cubeId, otherCube], statuses: ['archived'] } })).toStrictEqual({
        docCount: 0,
        totalLength: 0,
        df: { banana: 0 },
      });
    });

    it('applies a batch atomically: an invalid item leaves nothing behind', async () => {
      const cubeId = ctx.cube('a');
      const existing = fx.item({ cubeId });
      await store.write({ items: [toItemWrite(existing)] });
      const good = fx.item({ cubeId });
      const bad = { ...fx.item({ cubeId }), status: 'bogus' as MemoryStatus };
      const changed = { ...existing, text: 'changed', version: 2 };
      const batch = {
        items: [toItemWrite(good), toItemWrite(bad), toItemWrite(changed)],
        edges: [fx.edge({ from: existing.id, to: good.id, cubeId })],
        versions: [fx.version(good)],
        audit: [fx.audit({ cubeId, itemId: good.id })],
      };
      await expectMemosError(store.write(batch), 'MEMOS_VALIDATION');
      expect(await store.getItems([good.id, bad.id])).toStrictEqual([]);
      expect(await store.getItems([existing.id])).toStrictEqual([existing]);
      expect(await store.listEdges({ cubeIds: [cubeId] })).toStrictEqual([]);
      expect(await store.listVersions({ cubeId: good.cubeId, itemId: good.id })).toStrictEqual([]);
      expect(await store.listAudit({ cubeId })).toStrictEqual([]);
      const badEdge = { ...fx.edge({ from: existing.id, to: good.id, cubeId }), type: 'NOT_A_TYPE' as EdgeType };
      await expectMemosError(store.write({ items: [toItemWrite(good)], edges: [badEdge] }), 'MEMOS_VALIDATION');
      expect(await store.getItems([good.id])).toStrictEqual([]);
    });

    it('lists versions of one item, oldest first', async () => {
      const cubeId = ctx.cube('a');
      const v1 = fx.item({ cubeId });
      const v2 = { ...v1, text: 'second', version: 2, updatedAt: isoAt(5000) };
      const v3 = { ...v2, text: 'third', version: 3, status: 'invalidated' as const, invalidAt: isoAt(6000), updatedAt: isoAt(6000) };
      const other = fx.item({ cubeId });
      await store.write({
        items: [toItemWrite(v3), toItemWrite(other)],
        versions: [fx.version(v3, { reason: 'contradicted' }), fx.version(v1), fx.version(other), fx.version(v2, { actor: 'system' })],
      });
      expect(await store.listVersions({ cubeId: v1.cubeId, itemId: v1.id })).toStrictEqual([
        fx.version(v1),
        fx.version(v2, { actor: 'system' }),
        fx.version(v3, { reason: 'contradicted' }),
      ]);
      expect(await store.listVersions({ cubeId: v1.cubeId, itemId: fx.id('missing') })).toStrictEqual([]);
      // The cube is part of the query: the same item id asked under another cube has no history.
      expect(await store.listVersions({ cubeId: `${v1.cubeId}-other`, itemId: v1.id })).toStrictEqual([]);
    });

    it('lists, replaces and removes edges', async () => {
      const a = ctx.cube('a');
      const b = ctx.cube('b');
      const [i1, i2, i3, i4] = [fx.id('n1'), fx.id('n2'), fx.id('n3'), fx.id('n4')];
      const e12 = fx.edge({ from: i1, to: i2, cubeId: a, weight: 0.5 });
      const e12p = fx.edge({ from: i1, to: i2, cubeId: a, type: 'PARENT' });
      const e23 = fx.edge({ from: i2, to: i3, cubeId: a, type: 'FOLLOWS', createdAt: isoAt(10) });
      const e31 = fx.edge({ from: i3, to: i1, cubeId: a, type: 'SUPERSEDES' });
      const eB = fx.edge({ from: i4, to: fx.id('n5'), cubeId: b });
      await store.write({ edges: [e12, e12p, e23, e31, eB] });
      expect((await store.listEdges({ cubeIds: [a] })).sort(byEdgeKey)).toStrictEqual([e12, e12p, e23, e31].sort(byEdgeKey));
      expect((await store.listEdges({ cubeIds: [a], ids: [i1] })).sort(byEdgeKey)).toStrictEqual([e12, e12p, e31].sort(byEdgeKey));
      expect((await store.listEdges({ cubeIds: [a, b], types: ['PARENT', 'RELATE_TO'] })).sort(byEdgeKey)).toStrictEqual(
        [e12, e12p, eB].sort(byEdgeKey),
      );
      expect(await store.listEdges({ cubeIds: [a], ids: [] })).toStrictEqual([]);
      expect(await store.listEdges({ cubeIds: [] })).toStrictEqual([]);
      const reweighted = { ...e12p, weight: 0.25, createdAt: isoAt(20) };
      await store.write({ removeEdges: [{ from: i1, to: i2, type: 'RELATE_TO' }, { from: i2, to: i1, type: 'FOLLOWS' }], edges: [reweighted] });
      expect((await store.listEdges({ cubeIds: [a] })).sort(byEdgeKey)).toStrictEqual([reweighted, e23, e31].sort(byEdgeKey));
      expect(await store.listEdges({ cubeIds: [b] })).toStrictEqual([eB]);
    });

    it('lists audit records oldest first, by cube and item, with a limit', async () => {
      const a = ctx.cube('a');
      const b = ctx.cube('b');
      const item = fx.id('item');
      const r1 = fx.audit({ cubeId: a, at: isoAt(30), details: { query: 'tokyo', topK: 5, hit: true, none: null } });
      const r2 = fx.audit({ cubeId: a, itemId: item, at: isoAt(10), action: 'update' });
      const r3 = fx.audit({ cubeId: a, itemId: item, at: isoAt(10), action: 'delete' });
      const r4 = fx.audit({ cubeId: b, itemId: item, at: isoAt(20) });
      const r5 = fx.audit({ actor: fx.id('admin'), action: 'createUser', at: isoAt(5) });
      await store.write({ audit: [r1, r2, r3, r4, r5] });
      expect(await store.listAudit({ cubeId: a })).toStrictEqual([r2, r3, r1]);
      expect(await store.listAudit({ itemId: item })).toStrictEqual([r2, r3, r4]);
      expect(await store.listAudit({ cubeId: b, itemId: item })).toStrictEqual([r4]);
      expect(await store.listAudit({ cubeId: a, limit: 2 })).toStrictEqual([r2, r3]);
      const all = await store.listAudit({});
      expect(all.filter((r) => r.id.startsWith(fx.prefix))).toStrictEqual([r5, r2, r3, r4, r1]);
    });

    it('deleteCube removes the cube and everything in it, and nothing else', async () => {
      const a = ctx.cube('a');
      const b = ctx.cube('b');
      const cubeB = fx.cube({ id: b });
      await store.putCube(fx.cube({ id: a }));
      await store.putCube(cubeB);
      const [a1, a2, b1] = [fx.item({ cubeId: a }), fx.item({ cubeId: a }), fx.item({ cubeId: b })];
      await store.write({
        items: [toItemWrite(a1, ['shared', 'only']), toItemWrite(a2, ['shared']), toItemWrite(b1, ['shared'])],
        edges: [fx.edge({ from: a1.id, to: a2.id, cubeId: a }), fx.edge({ from: b1.id, to: fx.id('x'), cubeId: b })],
        versions: [fx.version(a1), fx.version(b1)],
        audit: [fx.audit({ cubeId: a, itemId: a1.id }), fx.audit({ cubeId: b, itemId: b1.id })],
      });
      await store.deleteCube(a);
      expect(await store.getCube(a)).toBeUndefined();
      expect(await store.getItems([a1.id, a2.id, b1.id])).toStrictEqual([b1]);
      expect(await store.countItems({ cubeIds: [a] })).toBe(0);
      expect(await store.listEdges({ cubeIds: [a] })).toStrictEqual([]);
      expect(await store.listVersions({ cubeId: a1.cubeId, itemId: a1.id })).toStrictEqual([]);
      // Audit records are append-only: deleting the cube keeps them.
      expect(await store.listAudit({ cubeId: a })).toHaveLength(1);
      expect(await store.keywordStats({ terms: ['shared'], filter: { cubeIds: [a, b] } })).toStrictEqual({ docCount: 1, totalLength: 1, df: { shared: 1 } });
      expect(await store.getCube(b)).toStrictEqual(cubeB);
      expect(await store.listEdges({ cubeIds: [b] })).toHaveLength(1);
      expect(await store.listVersions({ cubeId: b1.cubeId, itemId: b1.id })).toHaveLength(1);
      expect(await store.listAudit({ cubeId: b })).toHaveLength(1);
    });

    it('touch counts accesses without a new version', async () => {
      const item = fx.item({ cubeId: ctx.cube('a'), accessCount: 2 });
      const other = fx.item({ cubeId: item.cubeId });
      await store.write({ items: [toItemWrite(item), toItemWrite(other)] });
      await store.touch([item.id, fx.id('missing')], isoAt(100));
      await store.touch([item.id], isoAt(200));
      expect(await store.getItems([item.id, other.id])).toStrictEqual([{ ...item, accessCount: 4, lastAccessedAt: isoAt(200) }, other]);
      expect(await store.listVersions({ cubeId: item.cubeId, itemId: item.id })).toStrictEqual([]);
    });

    it('setVectorSyncState records the state and the embedding model', async () => {
      const cubeId = ctx.cube('a');
      const [i1, i2, i3] = [fx.item({ cubeId, vectorSyncState: 'pending' }), fx.item({ cubeId }), fx.item({ cubeId })];
      await store.write({ items: [i1, i2, i3].map((item) => toItemWrite(item)) });
      await store.setVectorSyncState([i1.id, i2.id], 'synced', 'lexical-v1/1024');
      await store.setVectorSyncState([i2.id], 'failed');
      expect(await store.getItems([i1.id, i2.id, i3.id])).toStrictEqual([
        { ...i1, vectorSyncState: 'synced', embeddingModel: 'lexical-v1/1024' },
        { ...i2, vectorSyncState: 'failed', embeddingModel: 'lexical-v1/1024' },
        i3,
      ]);
    });

    it('throws ClosedError after close (and close is idempotent)', async () => {
      await store.close();
      closed = true;
      await store.close();
      const filter = { cubeIds: [fx.id('a')] };
      const calls: Promise<unknown>[] = [
        store.putUser(fx.user()),
        store.getUser('x'),
        store.listUsers(),
        store.putCube(fx.cube()),
        store.getCube('x'),
        store.listCubes(),
        store.deleteCube('x'),
        store.write({ items: [toItemWrite(fx.item())] }),
        store.getItems(['x']),
        store.listItems({ filter, limit: 1, offset: 0 }),
        store.countItems(filter),
        store.listVersions({ cubeId: 'x', itemId: 'x' }),
        store.listEdges({ cubeIds: ['x'] }),
        store.listAudit({}),
        store.forgetItems({ cubeId: 'x', ids: ['x'] }),
        store.purgeUser({ userId: 'x' }),
        store.compact(),
        store.recordDump({ dir: '/x', cubeId: 'x', at: isoAt(0) }),
        store.listDumps({}),
        store.removeDumps(['/x']),
        store.keywordStats({ terms: ['x'], filter }),
        store.keywordSearch({ weights: { x: 1 }, k1: 1.2, b: 0.75, avgDocLength: 1, filter, limit: 1 }),
        store.neighbors({ ids: ['x'], types: ['RELATE_TO'], hops: 1, filter, limit: 1 }),
        store.setVectorSyncState(['x'], 'synced'),
        store.touch(['x'], isoAt(0)),
      ];
      for (const call of calls) await expectMemosError(call, 'MEMOS_CLOSED');
    });

    registerQueryConformance(ctx);
    registerKeywordConformance(ctx);
    registerNeighborConformance(ctx);
    registerConcurrencyConformance(ctx);
    registerTimeTravelConformance(ctx);
    registerGovernanceConformance(ctx);
    registerRecordConformance(ctx);
  });
}
