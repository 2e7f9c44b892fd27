import { expect, it } from 'vitest';
import type { MemoryItem } from '../spec/memory-item.ts';
import { isoAt, toItemWrite } from './fixtures.ts';
import { expectMemosError, type GraphConformanceContext } from './graph-store-conformance.ts';

/**
 * Governance cases of the GraphStore conformance suite: append-only audit with its query fields,
 * `forgetItems`, `purgeUser`, `requireCubes` against `deleteCube`, redaction marks, the dump
 * registry and `compact`.
 */
export function registerGovernanceConformance(ctx: GraphConformanceContext): void {
  it('audit is append-only: a repeated id is a ConflictError and keeps the first record; deleteCube keeps the cube\'s audit', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('a');
    await store.putCube(fx.cube({ id: cubeId }));
    const first = fx.audit({ cubeId, action: 'add', resultCount: 2 });
    await store.write({ audit: [first] });
    await expectMemosError(store.write({ audit: [{ ...first, action: 'forged', actor: 'intruder', resultCount: 99 }] }), 'MEMOS_CONFLICT');
    expect(await store.listAudit({ cubeId })).toStrictEqual([first]);
    await store.deleteCube(cubeId);
    expect(await store.listAudit({ cubeId })).toStrictEqual([first]);
  });

  it('queries audit by actor, actions, time range, item (itemId or itemIds) and direction; round-trips targets and counts', async () => {
    const { store, fx } = ctx;
    const a = ctx.cube('a');
    const b = ctx.cube('b');
    const [alice, bob] = [fx.id('alice'), fx.id('bob')];
    const [i1, i2, i3] = [fx.id('i1'), fx.id('i2'), fx.id('i3')];
    const r1 = fx.audit({ actor: alice, action: 'search', cubeId: a, at: isoAt(10), itemIds: [i1, i2], resultCount: 2 });
    const r2 = fx.audit({ actor: bob, action: 'get', cubeId: a, itemId: i3, at: isoAt(20), resultCount: 1 });
    const r3 = fx.audit({ actor: alice, action: 'add', cubeId: b, at: isoAt(30), itemIds: [i3], resultCount: 1, details: { count: 1 } });
    const r4 = fx.audit({ actor: alice, action: 'search', cubeId: b, at: isoAt(40), itemIds: [], resultCount: 0 });
    await store.write({ audit: [r4, r2, r1, r3] });
    const ours = (records: { id: string }[]) => records.filter((r) => r.id.startsWith(fx.prefix));
    expect(await store.listAudit({ actor: alice })).toStrictEqual([r1, r3, r4]);
    expect(await store.listAudit({ actor: alice, actions: ['search'] })).toStrictEqual([r1, r4]);
    expect(await store.listAudit({ actor: alice, actions: [] })).toStrictEqual([]);
    expect(ours(await store.listAudit({ actions: ['get', 'add'] }))).toStrictEqual([r2, r3]);
    expect(ours(await store.listAudit({ since: isoAt(20), until: isoAt(40) }))).toStrictEqual([r2, r3]);
    expect(await store.listAudit({ itemId: i3 })).toStrictEqual([r2, r3]);
    expect(await store.listAudit({ itemId: i1, cubeId: a })).toStrictEqual([r1]);
    expect(await store.listAudit({ cubeId: a, direction: 'desc' })).toStrictEqual([r2, r1]);
    expect(await store.listAudit({ actor: alice, direction: 'desc', limit: 2 })).toStrictEqual([r4, r3]);
    await expectMemosError(store.listAudit({ since: 'yesterday' }), 'MEMOS_VALIDATION');
    await expectMemosError(store.listAudit({ actions: [1 as unknown as string] }), 'MEMOS_VALIDATION');
    await expectMemosError(store.listAudit({ direction: 'sideways' as 'asc' }), 'MEMOS_VALIDATION');
  });

  it('forgetItems hard-deletes items of one cube with versions, edges and keyword entries, and nothing else', async () => {
    const { store, fx } = ctx;
    const a = ctx.cube('a');
    const b = ctx.cube('b');
    const gone = fx.item({ cubeId: a, text: 'forgotten zebra secret' });
    const kept = fx.item({ cubeId: a, text: 'kept zebra note' });
    const foreign = fx.item({ cubeId: b, text: 'other zebra' });
    await store.write({
      items: [toItemWrite(gone, ['forgotten', 'zebra', 'secret']), toItemWrite(kept, ['kept', 'zebra']), toItemWrite(foreign, ['zebra'])],
      edges: [fx.edge({ from: gone.id, to: kept.id, cubeId: a }), fx.edge({ from: kept.id, to: gone.id, cubeId: a, type: 'FOLLOWS' }), fx.edge({ from: kept.id, to: fx.id('x'), cubeId: a, type: 'PARENT' })],
      versions: [fx.version(gone), fx.version({ ...gone, version: 2, text: 'second' }), fx.version(kept)],
      audit: [fx.audit({ cubeId: a, itemId: gone.id })],
    });
    // An id of another cube is not touched.
    expect(await store.forgetItems({ cubeId: a, ids: [foreign.id] })).toStrictEqual({ ids: [], versions: 0, edges: 0 });
    expect(await store.forgetItems({ cubeId: a, ids: [gone.id, gone.id, fx.id('missing')] })).toStrictEqual({ ids: [gone.id], versions: 2, edges: 2 });
    expect(await store.getItems([gone.id, kept.id, foreign.id])).toStrictEqual([kept, foreign]);
    expect(await store.listVersions({ cubeId: a, itemId: gone.id })).toStrictEqual([]);
    expect(await store.listVersions({ cubeId: a, itemId: kept.id })).toHaveLength(1);
    expect(await store.listEdges({ cubeIds: [a] })).toStrictEqual([fx.edge({ from: kept.id, to: fx.id('x'), cubeId: a, type: 'PARENT' })]);
    expect(await store.keywordStats({ terms: ['zebra', 'secret'], filter: { cubeIds: [a] } })).toStrictEqual({ docCount: 1, totalLength: 2, df: { zebra: 1, secret: 0 } });
    expect(await store.keywordStats({ terms: ['secret'], filter: { cubeIds: [a], statuses: ['active'] } })).toStrictEqual({ docCount: 1, totalLength: 2, df: { secret: 0 } });
    const search = await store.keywordSearch({ weights: { secret: 1, forgotten: 1 }, k1: 1.2, b: 0.75, avgDocLength: 2, filter: { cubeIds: [a] }, limit: 10 });
    expect(search).toStrictEqual([]);
    expect(await store.countItems({ cubeIds: [a] })).toBe(1);
    expect(await store.listAudit({ cubeId: a })).toHaveLength(1);
    expect(await store.forgetItems({ cubeId: a, ids: [] })).toStrictEqual({ ids: [], versions: 0, edges: 0 });
    await expectMemosError(store.forgetItems({ cubeId: '', ids: [gone.id] }), 'MEMOS_VALIDATION');
    await expectMemosError(store.forgetItems({ cubeId: a, ids: 'x' as unknown as string[] }), 'MEMOS_VALIDATION');
  });

  it('purgeUser removes the user, their items in every cube and their access-list entries', async () => {
    const { store, fx } = ctx;
    const victim = fx.user();
    const other = fx.user();
    await store.putUser(victim);
    await store.putUser(other);
    const shared = fx.cube({ id: ctx.cube('shared'), ownerId: other.id, acl: [{ userId: victim.id, access: 'write' }, { userId: fx.id('third'), access: 'read' }] });
    const unrelated = fx.cube({ id: ctx.cube('unrelated'), ownerId: other.id });
    await store.putCube(shared);
    await store.putCube(unrelated);
    const theirs = fx.item({ cubeId: shared.id, ownerId: victim.id, text: 'victim note' });
    const theirs2 = fx.item({ cubeId: unrelated.id, ownerId: victim.id, text: 'victim other note' });
    const mine = fx.item({ cubeId: shared.id, ownerId: other.id, text: 'owner note' });
    await store.write({
      items: [toItemWrite(theirs, ['victim', 'note']), toItemWrite(theirs2, ['victim']), toItemWrite(mine, ['owner', 'note'])],
      edges: [fx.edge({ from: mine.id, to: theirs.id, cubeId: shared.id })],
      versions: [fx.version(theirs), fx.version(theirs2), fx.version(mine)],
    });
    const result = await store.purgeUser({ userId: victim.id });
    expect(result.user).toBe(true);
    expect(result.aclCubes).toStrictEqual([shared.id]);
    const byKey = (x: { cubeId: string; id: string }, y: { cubeId: string; id: string }) => (x.cubeId + x.id < y.cubeId + y.id ? -1 : 1);
    expect([...result.items].sort(byKey)).toStrictEqual([{ cubeId: shared.id, id: theirs.id }, { cubeId: unrelated.id, id: theirs2.id }].sort(byKey));
    expect(await store.getUser(victim.id)).toBeUndefined();
    expect(await store.getUser(other.id)).toStrictEqual(other);
    expect(await store.getItems([theirs.id, theirs2.id, mine.id])).toStrictEqual([mine]);
    expect(await store.listVersions({ cubeId: shared.id, itemId: theirs.id })).toStrictEqual([]);
    expect(await store.listEdges({ cubeIds: [shared.id] })).toStrictEqual([]);
    expect(await store.keywordStats({ terms: ['victim'], filter: { cubeIds: [shared.id, unrelated.id] } })).toStrictEqual({ docCount: 1, totalLength: 2, df: { victim: 0 } });
    const purged = await store.getCube(shared.id);
    expect(purged).toStrictEqual({ ...shared, acl: [{ userId: fx.id('third'), access: 'read' }], updatedAt: purged?.updatedAt });
    expect((purged?.updatedAt ?? '') > shared.updatedAt, 'a changed access list moves updatedAt forward').toBe(true);
    expect(await store.getCube(unrelated.id)).toStrictEqual(unrelated);
    expect(await store.purgeUser({ userId: victim.id })).toStrictEqual({ items: [], aclCubes: [], user: false });
  });

  it('a write with requireCubes fails with NotFoundError once the cube is deleted (and writes nothing)', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('a');
    await store.putCube(fx.cube({ id: cubeId }));
    const before = fx.item({ cubeId });
    await store.write({ items: [toItemWrite(before)], versions: [fx.version(before)], requireCubes: [cubeId] });
    expect(await store.getItems([before.id])).toStrictEqual([before]);
    await store.deleteCube(cubeId);
    const after = fx.item({ cubeId });
    await expectMemosError(store.write({ items: [toItemWrite(after)], versions: [fx.version(after)], audit: [fx.audit({ cubeId })], requireCubes: [cubeId] }), 'MEMOS_NOT_FOUND');
    expect(await store.getItems([before.id, after.id])).toStrictEqual([]);
    expect(await store.listVersions({ cubeId, itemId: after.id })).toStrictEqual([]);
    expect(await store.listAudit({ cubeId })).toStrictEqual([]);
    await expectMemosError(store.write({ audit: [fx.audit()], requireCubes: [fx.id('never-created')] }), 'MEMOS_NOT_FOUND');
  });

  it('concurrent writes racing deleteCube leave no orphans: each write either lands before the deletion (and is removed) or fails', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('race');
    await store.putCube(fx.cube({ id: cubeId }));
    const items: MemoryItem[] = Array.from({ length: 24 }, () => fx.item({ cubeId }));
    const writes = items.map(async (item, i) => {
      await new Promise((resolve) => setTimeout(resolve, i % 6));
      return store.write({ items: [toItemWrite(item)], versions: [fx.version(item)], requireCubes: [cubeId] });
    });
    const deletion = new Promise((resolve) => setTimeout(resolve, 2)).then(() => store.deleteCube(cubeId));
    const settled = await Promise.allSettled([...writes, deletion]);
    for (const outcome of settled) {
      if (outcome.status === 'rejected') expect((outcome.reason as { code?: string }).code).toBe('MEMOS_NOT_FOUND');
    }
    expect(settled.at(-1)?.status).toBe('fulfilled');
    expect(await store.getCube(cubeId)).toBeUndefined();
    expect(await store.getItems(items.map((item) => item.id))).toStrictEqual([]);
    expect(await store.countItems({ cubeIds: [cubeId], statuses: ['active'] })).toBe(0);
    for (const item of items) expect(await store.listVersions({ cubeId, itemId: item.id })).toStrictEqual([]);
  });

  it('a write batch may carry touch: access counts recorded in the same commit as its audit, without a version', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('a');
    const item = fx.item({ cubeId, accessCount: 1 });
    await store.write({ items: [toItemWrite(item)] });
    const read = fx.audit({ cubeId, action: 'search', itemIds: [item.id], resultCount: 1 });
    await store.write({ audit: [read], touch: { ids: [item.id, item.id, fx.id('missing')], at: isoAt(500) } });
    expect(await store.getItems([item.id])).toStrictEqual([{ ...item, accessCount: 2, lastAccessedAt: isoAt(500) }]);
    expect(await store.listAudit({ cubeId })).toStrictEqual([read]);
    await store.write({ touch: { ids: [item.id], at: isoAt(600) } });
    expect((await store.getItems([item.id]))[0]?.accessCount).toBe(3);
    await expectMemosError(store.write({ audit: [fx.audit({ cubeId })], touch: { ids: [item.id], at: 'later' } }), 'MEMOS_VALIDATION');
    expect((await store.getItems([item.id]))[0]?.accessCount).toBe(3);
  });

  it('round-trips redaction marks in the item header', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('a');
    const marked = fx.item({ cubeId, text: 'mail [redacted:email]', redactions: [{ kind: 'email', count: 2 }, { kind: 'card', count: 1 }] });
    const plain = fx.item({ cubeId });
    await store.write({ items: [toItemWrite(marked), toItemWrite(plain)] });
    const [gotMarked, gotPlain] = await store.getItems([marked.id, plain.id]);
    expect(gotMarked).toStrictEqual(marked);
    expect(gotPlain).toStrictEqual(plain);
    expect(Object.hasOwn(gotPlain as object, 'redactions')).toBe(false);
  });

  it('keeps a registry of dump directories by cube', async () => {
    const { store, fx } = ctx;
    const [a, b] = [ctx.cube('a'), ctx.cube('b')];
    const dirs = [`/tmp/${fx.id('d1')}`, `/tmp/${fx.id('d2')}`, `/tmp/${fx.id('d3')}`] as const;
    await store.recordDump({ dir: dirs[0], cubeId: a, at: isoAt(1) });
    await store.recordDump({ dir: dirs[1], cubeId: a, at: isoAt(2) });
    await store.recordDump({ dir: dirs[2], cubeId: b, at: isoAt(3) });
    await store.recordDump({ dir: dirs[1], cubeId: a, at: isoAt(4) });
    expect(await store.listDumps({ cubeIds: [a] })).toStrictEqual([
      { dir: dirs[0], cubeId: a, at: isoAt(1) },
      { dir: dirs[1], cubeId: a, at: isoAt(4) },
    ]);
    expect((await store.listDumps({})).filter((d) => dirs.includes(d.dir as (typeof dirs)[number]))).toHaveLength(3);
    await store.removeDumps([dirs[0], dirs[2]]);
    expect(await store.listDumps({ cubeIds: [a, b] })).toStrictEqual([{ dir: dirs[1], cubeId: a, at: isoAt(4) }]);
    await store.removeDumps([dirs[1]]);
    await expectMemosError(store.recordDump({ dir: '', cubeId: a, at: isoAt(1) }), 'MEMOS_VALIDATION');
  });

  it('compact succeeds and leaves the data readable', async () => {
    const { store, fx } = ctx;
    const item = fx.item({ cubeId: ctx.cube('a') });
    await store.write({ items: [toItemWrite(item)] });
    expect(await store.compact()).toBe(true);
    expect(await store.getItems([item.id])).toStrictEqual([item]);
  });
}
