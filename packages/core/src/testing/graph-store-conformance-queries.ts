import { expect, it } from 'vitest';
import type { MemoryItem } from '../spec/memory-item.ts';
import type { ItemFilter, ListQuery } from '../spec/search.ts';
import { compareItems } from '../storage/item-filter/compare-items.ts';
import { matchesFilter } from '../storage/item-filter/matches-filter.ts';
import { isoAt, makeVariedItems, toItemWrite } from './fixtures.ts';
import { expectMemosError, type GraphConformanceContext } from './graph-store-conformance.ts';

const hour = (n: number) => isoAt(n * 3600);

/** The filters checked against `matchesFilter`; `scope` restricts each to the test's cubes. */
function filterCases(cubes: string[], items: MemoryItem[]): ItemFilter[] {
  const scope = { cubeIds: cubes };
  const [c0, , c2] = cubes as [string, string, string];
  const [i0, i1, i2, i5] = [items[0], items[1], items[2], items[5]].map((item) => item?.id ?? '');
  return [
    scope,
    { cubeIds: [c0] },
    { cubeIds: [c0, c2] },
    { cubeIds: [] },
    { ...scope, ids: [i0 as string, i5 as string, 'missing-id'] },
    { ...scope, ids: [] },
    { ids: [i1 as string, i2 as string] },
    { ...scope, statuses: ['active'] },
    { ...scope, statuses: ['archived', 'deleted', 'invalidated'] },
    { ...scope, statuses: [] },
    { ...scope, memoryTypes: ['working', 'event'] },
    { ...scope, memoryTypes: [] },
    { ...scope, ownerId: 'owner-a' },
    { ...scope, ownerId: 'nobody' },
    { ...scope, sessionId: 's1' },
    { ...scope, tagsAny: ['alpha', '東京'] },
    { ...scope, tagsAny: ['zzz'] },
    { ...scope, tagsAny: [] },
    { ...scope, tagsAll: ['alpha', 'beta'] },
    { ...scope, tagsAll: ['gamma', 'gamma'] },
    { ...scope, tagsAll: [] },
    { ...scope, metadata: {} },
    { ...scope, metadata: { topic: 'work' } },
    { ...scope, metadata: { topic: 'Work' } },
    { ...scope, metadata: { topic: '1' } },
    { ...scope, metadata: { topic: 1 } },
    { ...scope, metadata: { rank: 2 } },
    { ...scope, metadata: { rank: 2.5 } },
    { ...scope, metadata: { rank: 0 } },
    { ...scope, metadata: { rank: '1' } },
    { ...scope, metadata: { flag: true } },
    { ...scope, metadata: { flag: false } },
    { ...scope, metadata: { flag: 1 } },
    { ...scope, metadata: { note: null } },
    { ...scope, metadata: { note: 'x' } },
    { ...scope, metadata: { topic: null } },
    { ...scope, metadata: { missing: null } },
    { ...scope, metadata: { missing: 'a' } },
    { ...scope, metadata: { topic: 'work', flag: true } },
    { ...scope, createdFrom: hour(5) },
    { ...scope, createdTo: hour(5) },
    { ...scope, createdFrom: hour(3), createdTo: hour(12) },
    { ...scope, validFrom: hour(0) },
    { ...scope, validTo: hour(-2) },
    { ...scope, validFrom: hour(-5), validTo: hour(5) },
    { ...scope, asOf: hour(-20) },
    { ...scope, asOf: hour(0) },
    { ...scope, asOf: hour(5) },
    { ...scope, asOf: hour(10) },
    { ...scope, asOf: hour(19) },
    { ...scope, asOf: hour(40) },
    { ...scope, knownAt: hour(-1) },
    { ...scope, knownAt: hour(0) },
    { ...scope, knownAt: hour(7) },
    { ...scope, knownAt: hour(25) },
    { ...scope, asOf: hour(3), knownAt: hour(8) },
    {
      ...scope,
      statuses: ['active', 'archived'],
      memoryTypes: ['long_term', 'user', 'working'],
      tagsAny: ['alpha', 'beta', 'delta'],
      createdFrom: hour(2),
    },
    { ...scope, ownerId: 'owner-b', sessionId: 's2', asOf: hour(12), knownAt: hour(14) },
    ...boundaryCases(scope, items),
    { ...scope, statuses: ['active'], asOf: hour(15), metadata: { flag: false }, tagsAll: ['beta'] },
    { ...scope, statuses: ['active', 'invalidated', 'expired', 'merged', 'archived'], asOf: hour(2) },
    { cubeIds: [c0, c2], validFrom: hour(-8), createdTo: hour(15), metadata: { rank: 1, note: null } },
    { ...scope, expiresAfter: hour(-1) },
    { ...scope, expiresAfter: hour(7) },
    { ...scope, expiresAfter: hour(30) },
    { ...scope, expiredBy: hour(-1) },
    { ...scope, expiredBy: hour(9) },
    { ...scope, statuses: ['active', 'invalidated'], expiredBy: hour(15) },
    { ...scope, statuses: ['active'], expiresAfter: hour(10) },
    { ...scope, statuses: ['active', 'archived'], expiresAfter: hour(12), asOf: hour(12) },
  ];
}

/** Filters whose bounds equal stored timestamps exactly, so that every `<` / `<=` is exercised. */
function boundaryCases(scope: ItemFilter, items: MemoryItem[]): ItemFilter[] {
  const cases: ItemFilter[] = [];
  for (const item of items.slice(0, 12)) {
    for (const instant of [item.createdAt, item.validAt, item.invalidAt, item.expiredAt]) {
      if (instant !== undefined) cases.push({ ...scope, asOf: instant }, { ...scope, knownAt: instant });
    }
    if (item.expiresAt !== undefined) cases.push({ ...scope, expiresAfter: item.expiresAt }, { ...scope, expiredBy: item.expiresAt });
    cases.push({ ...scope, createdFrom: item.createdAt }, { ...scope, createdTo: item.createdAt });
    if (item.validAt !== undefined) cases.push({ ...scope, validFrom: item.validAt }, { ...scope, validTo: item.validAt });
  }
  return cases;
}

/** ItemFilter semantics, listItems pagination and ordering, countItems. */
export function registerQueryConformance(ctx: GraphConformanceContext): void {
  it('implements every ItemFilter field like matchesFilter (listItems and countItems)', async () => {
    const { store } = ctx;
    const cubes = [ctx.cube('q0'), ctx.cube('q1'), ctx.cube('q2')];
    const items = makeVariedItems({ count: 60, cubeIds: cubes, prefix: ctx.fx.prefix });
    await store.write({ items: items.map((item) => toItemWrite(item)) });
    const sizes = new Set<number>();
    for (const filter of filterCases(cubes, items)) {
      const expected = items.filter((item) => matchesFilter(item, filter)).sort((a, b) => compareItems(a, b));
      const listed = await store.listItems({ filter, limit: 1000, offset: 0 });
      expect(listed.map((item) => item.id), JSON.stringify(filter)).toStrictEqual(expected.map((item) => item.id));
      expect(await store.countItems(filter), JSON.stringify(filter)).toBe(expected.length);
      sizes.add(expected.length);
    }
    expect(sizes.size, 'the generated items must make the filters selective').toBeGreaterThan(20);
    const listed = await store.listItems({ filter: { cubeIds: cubes }, limit: 1000, offset: 0 });
    expect(listed).toStrictEqual([...items].sort((a, b) => compareItems(a, b)));
  });

  it('paginates listItems in every order and direction, ties by id ascending', async () => {
    const { store } = ctx;
    const cubes = [ctx.cube('p0'), ctx.cube('p1')];
    const items = makeVariedItems({ count: 40, cubeIds: cubes, prefix: ctx.fx.prefix, seed: 11 });
    await store.write({ items: items.map((item) => toItemWrite(item)) });
    const filter: ItemFilter = { cubeIds: cubes, statuses: ['active', 'archived', 'merged', 'invalidated', 'expired', 'deleted'] };
    const orders: Pick<ListQuery, 'order' | 'direction'>[] = [
      {},
      { order: 'createdAt', direction: 'desc' },
      { order: 'updatedAt' },
      { order: 'updatedAt', direction: 'desc' },
      { direction: 'desc' },
    ];
    for (const order of orders) {
      const expected = [...items].sort((a, b) => compareItems(a, b, order)).map((item) => item.id);
      const pages: string[] = [];
      for (let offset = 0; offset < items.length + 7; offset += 7) {
        const page = await store.listItems({ filter, limit: 7, offset, ...order });
        expect(page.length).toBe(Math.max(0, Math.min(7, items.length - offset)));
        pages.push(...page.map((item) => item.id));
      }
      expect(pages, JSON.stringify(order)).toStrictEqual(expected);
    }
    expect(await store.listItems({ filter, limit: 0, offset: 0 })).toStrictEqual([]);
  });

  it('rejects malformed filters with ValidationError', async () => {
    const { store } = ctx;
    const cubeIds = [ctx.cube('bad')];
    const bad = [
      { cubeIds, metadata: { nested: { a: 1 } } },
      { cubeIds, metadata: { n: Number.NaN } },
      { cubeIds, createdFrom: 'yesterday' },
      { cubeIds: 'not-a-list' },
    ] as unknown as ItemFilter[];
    for (const filter of bad) await expectMemosError(store.countItems(filter), 'MEMOS_VALIDATION');
  });
}
