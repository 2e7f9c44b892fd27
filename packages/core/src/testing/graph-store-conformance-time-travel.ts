import { expect, it } from 'vitest';
import type { ItemFilter } from '../spec/search.ts';
import type { MemoryItem, VersionRecord } from '../spec/memory-item.ts';
import { compareStrings } from '../storage/item-filter/compare-items.ts';
import { matchesFilter } from '../storage/item-filter/matches-filter.ts';
import { isoAt, itemTerms, toItemWrite } from './fixtures.ts';
import { referenceKeywordSearch, referenceKeywordStats } from './graph-store-conformance-keyword.ts';
import { expectMemosError, type GraphConformanceContext } from './graph-store-conformance.ts';

/** Reference of `listVersionsKnownAt`: per item of the cubes, its highest version with `at <= knownAt`, by item id. */
export function referenceVersionsKnownAt(versions: VersionRecord[], query: { cubeIds: string[]; knownAt: string }): VersionRecord[] {
  const best = new Map<string, VersionRecord>();
  for (const v of versions) {
    if (!query.cubeIds.includes(v.cubeId) || !(v.at <= query.knownAt)) continue;
    const current = best.get(v.itemId);
    if (current === undefined || v.version > current.version) best.set(v.itemId, v);
  }
  return [...best.values()].sort((a, b) => compareStrings(a.itemId, b.itemId));
}

/** listVersionsKnownAt (system-time travel over insert-only versions), pinned items and the TTL filter in keyword search. */
export function registerTimeTravelConformance(ctx: GraphConformanceContext): void {
  it('listVersionsKnownAt returns the version current at each instant, per item of the cubes', async () => {
    const { store, fx } = ctx;
    const [a, b] = [ctx.cube('ta'), ctx.cube('tb')];
    const at = (s: number) => isoAt(s);
    const versions: VersionRecord[] = [];
    const record = (item: MemoryItem, version: number, when: number, change: Partial<MemoryItem> = {}) => {
      const snapshot: MemoryItem = { ...item, ...change, version, updatedAt: at(when) };
      versions.push(fx.version(snapshot, { version, at: at(when), action: version === 1 ? 'create' : 'update' }));
      return snapshot;
    };
    const x = fx.item({ cubeId: a, text: 'first text', createdAt: at(10), updatedAt: at(10) });
    const y = fx.item({ cubeId: a, text: 'later item', createdAt: at(25), updatedAt: at(25) });
    const z = fx.item({ cubeId: b, text: 'other cube', createdAt: at(5), updatedAt: at(5) });
    const w = fx.item({ cubeId: a, text: 'same instant', createdAt: at(15), updatedAt: at(15) });
    record(x, 1, 10);
    record(x, 2, 20, { text: 'second text' });
    const xDeleted = record(x, 3, 30, { text: 'second text', status: 'deleted', expiredAt: at(30) });
    const yNow = record(y, 1, 25);
    const zNow = record(z, 1, 5);
    record(w, 1, 15);
    const wNow = record(w, 2, 15, { text: 'same instant, corrected' });
    // Current rows (what getItems shows today) differ from the history on purpose.
    await store.write({
      items: [toItemWrite(xDeleted), toItemWrite(yNow), toItemWrite(zNow), toItemWrite(wNow)],
      versions: [...versions].reverse(),
    });
    const ask = async (cubeIds: string[], knownAt: string) => {
      const got = await store.listVersionsKnownAt({ cubeIds, knownAt });
      expect(got, `${cubeIds.join(',')} @ ${knownAt}`).toStrictEqual(referenceVersionsKnownAt(versions, { cubeIds, knownAt }));
      return got;
    };
    expect(await ask([a], at(9))).toStrictEqual([]);
    expect((await ask([a], at(10))).map((v) => v.snapshot.text)).toStrictEqual(['first text']);
    expect((await ask([a], at(19))).map((v) => [v.itemId, v.version])).toStrictEqual([[x.id, 1], [w.id, 2]].sort((p, q) => compareStrings(String(p[0]), String(q[0]))));
    expect((await ask([a], at(20))).find((v) => v.itemId === x.id)?.snapshot.text).toBe('second text');
    expect((await ask([a], at(29))).map((v) => v.itemId).sort(compareStrings)).toStrictEqual([x.id, y.id, w.id].sort(compareStrings));
    expect((await ask([a], at(30))).find((v) => v.itemId === x.id)?.snapshot.status).toBe('deleted');
    await ask([a, b], at(26));
    await ask([b], at(4));
    await ask([a, b, ctx.cube('none')], at(1000));
    expect(await store.listVersionsKnownAt({ cubeIds: [], knownAt: at(1000) })).toStrictEqual([]);
    await expectMemosError(store.listVersionsKnownAt({ cubeIds: [a], knownAt: 'yesterday' }), 'MEMOS_VALIDATION');
    await expectMemosError(store.listVersionsKnownAt({ cubeIds: 'a' as unknown as string[], knownAt: at(1) }), 'MEMOS_VALIDATION');
  });

  it('round-trips pinned (true, false, absent) exactly', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('pin');
    const items = [fx.item({ cubeId, pinned: true }), fx.item({ cubeId, pinned: false }), fx.item({ cubeId })];
    await store.write({ items: items.map((item) => toItemWrite(item)) });
    expect(await store.getItems(items.map((item) => item.id))).toStrictEqual(items);
    expect(await store.listItems({ filter: { cubeIds: [cubeId] }, limit: 10, offset: 0 })).toStrictEqual(items);
    await expectMemosError(store.write({ items: [toItemWrite({ ...fx.item({ cubeId }), pinned: 'yes' as unknown as boolean })] }), 'MEMOS_VALIDATION');
  });

  it('keyword statistics and search honour expiresAfter (pinned items exempt), with and without items past their TTL', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('ttl');
    const now = isoAt(1000);
    const docs = [
      fx.item({ cubeId, text: 'apple pie recipe' }),
      fx.item({ cubeId, text: 'apple juice', expiresAt: isoAt(2000) }),
      fx.item({ cubeId, text: 'apple tart apple', expiresAt: isoAt(1000) }),
      fx.item({ cubeId, text: 'banana apple', expiresAt: isoAt(10), pinned: true }),
      fx.item({ cubeId, text: 'cherry apple', expiresAt: isoAt(10), status: 'expired' }),
    ].map((item) => ({ item, terms: itemTerms(item) }));
    await store.write({ items: docs.map((d) => toItemWrite(d.item, d.terms)) });
    const check = async (filter: ItemFilter) => {
      const terms = ['apple', 'banana', 'tart'];
      const stats = await store.keywordStats({ terms, filter });
      expect(stats, JSON.stringify(filter)).toStrictEqual(referenceKeywordStats(docs, terms, filter));
      const weights = { apple: 0.5, banana: 1.5, tart: 2 };
      const query = { weights, k1: 1.2, b: 0.75, avgDocLength: 3, filter, limit: 10 };
      const got = await store.keywordSearch(query);
      const expected = referenceKeywordSearch(docs, query);
      expect(got.map((h) => h.id), JSON.stringify(filter)).toStrictEqual(expected.map((h) => h.id));
      expect(await store.countItems(filter), JSON.stringify(filter)).toBe(docs.filter((d) => matchesFilter(d.item, filter)).length);
    };
    await check({ cubeIds: [cubeId], statuses: ['active'], expiresAfter: now });
    await check({ cubeIds: [cubeId], statuses: ['active'], expiresAfter: isoAt(5) });
    await check({ cubeIds: [cubeId], statuses: ['active', 'expired'], expiresAfter: isoAt(3000) });
    await check({ cubeIds: [cubeId], expiresAfter: isoAt(999) });
  });
}
