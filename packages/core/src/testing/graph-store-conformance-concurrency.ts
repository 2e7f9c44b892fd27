import { expect, it } from 'vitest';
import { MemosError } from '../errors/memos-error.ts';
import type { GraphStore, WriteBatch } from '../spec/graph-store.ts';
import type { MemoryItem } from '../spec/memory-item.ts';
import { isoAt, toItemWrite } from './fixtures.ts';
import { expectMemosError, rejection, type GraphConformanceContext } from './graph-store-conformance.ts';


/** Everything a batch could have left behind in the test's cube, to compare before and after. */
async function snapshot(store: GraphStore, cubeId: string, ids: string[]) {
  return {
    items: await store.getItems(ids),
    versions: await Promise.all(ids.map((itemId) => store.listVersions({ cubeId, itemId }))),
    edges: await store.listEdges({ cubeIds: [cubeId] }),
    audit: await store.listAudit({ cubeId }),
  };
}

/**
 * Optimistic concurrency and insert-only history: `ItemWrite.expectedVersion` is checked in the
 * write's transaction, version rows and audit ids are never replaced, a conflicting batch writes
 * nothing, and conditional `setVectorSyncState` only touches the version it names.
 */
export function registerConcurrencyConformance(ctx: GraphConformanceContext): void {
  it('write checks expectedVersion in the transaction: a mismatch throws ConflictError and writes nothing', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('a');
    const v1 = fx.item({ cubeId, text: 'first' });
    await store.write({ items: [{ ...toItemWrite(v1), expectedVersion: 0 }], versions: [fx.version(v1)] });
    const fresh = fx.item({ cubeId });
    const v2 = { ...v1, text: 'second', version: 2, updatedAt: isoAt(5000) };
    const before = await snapshot(store, cubeId, [v1.id, fresh.id]);
    const stale: WriteBatch = {
      items: [{ ...toItemWrite(fresh), expectedVersion: 0 }, { ...toItemWrite(v2), expectedVersion: 2 }],
      edges: [fx.edge({ from: fresh.id, to: v1.id, cubeId })],
      versions: [fx.version(fresh), fx.version(v2)],
      audit: [fx.audit({ cubeId, itemId: v1.id })],
    };
    const error = await rejection(store.write(stale));
    expect(error.code).toBe('MEMOS_CONFLICT');
    expect({ reason: error['reason'], id: error['id'], expected: error['expectedVersion'], actual: error['actualVersion'] }).toStrictEqual({
      reason: 'version-mismatch',
      id: v1.id,
      expected: 2,
      actual: 1,
    });
    expect(await snapshot(store, cubeId, [v1.id, fresh.id])).toStrictEqual(before);
    // The right expected version goes through, and the next writer with the old one conflicts.
    await store.write({ items: [{ ...toItemWrite(v2), expectedVersion: 1 }], versions: [fx.version(v2)] });
    expect(await store.getItems([v1.id])).toStrictEqual([v2]);
    const v2b = { ...v1, text: 'lost update', version: 2 };
    const late = await rejection(store.write({ items: [{ ...toItemWrite(v2b), expectedVersion: 1 }] }));
    expect([late['reason'], late['expectedVersion'], late['actualVersion']]).toStrictEqual(['version-mismatch', 1, 2]);
    expect(await store.getItems([v1.id])).toStrictEqual([v2]);
    expect((await store.listVersions({ cubeId, itemId: v1.id })).map((v) => v.version)).toStrictEqual([1, 2]);
    // A write without expectedVersion is not checked (loaders, migrations).
    await store.write({ items: [toItemWrite({ ...v2, text: 'unchecked', version: 3 })] });
    expect((await store.getItems([v1.id]))[0]?.text).toBe('unchecked');
  });

  it('a create (expectedVersion 0) of an existing id, and an update of a missing one, are conflicts', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('a');
    const existing = fx.item({ cubeId, version: 3 });
    await store.write({ items: [toItemWrite(existing)] });
    const again = { ...existing, text: 'replaced', version: 1 };
    const error = await rejection(store.write({ items: [{ ...toItemWrite(again), expectedVersion: 0 }], versions: [fx.version(again)] }));
    expect([error.code, error['reason'], error['expectedVersion'], error['actualVersion']]).toStrictEqual(['MEMOS_CONFLICT', 'version-mismatch', 0, 3]);
    expect(await store.getItems([existing.id])).toStrictEqual([existing]);
    expect(await store.listVersions({ cubeId, itemId: existing.id })).toStrictEqual([]);
    // In another cube too: an id is global, a create never takes over another cube's item.
    const elsewhere = { ...again, cubeId: ctx.cube('b') };
    await expectMemosError(store.write({ items: [{ ...toItemWrite(elsewhere), expectedVersion: 0 }] }), 'MEMOS_CONFLICT');
    expect(await store.getItems([existing.id])).toStrictEqual([existing]);
    const missing = fx.item({ cubeId, version: 2 });
    const gone = await rejection(store.write({ items: [{ ...toItemWrite(missing), expectedVersion: 1 }] }));
    expect([gone['reason'], gone['expectedVersion'], gone['actualVersion']]).toStrictEqual(['version-mismatch', 1, 0]);
    expect(await store.getItems([missing.id])).toStrictEqual([]);
    // An edge endpoint without an item (a stub) does not count as an existing item.
    const stubbed = fx.item({ cubeId });
    await store.write({ edges: [fx.edge({ from: existing.id, to: stubbed.id, cubeId })] });
    await store.write({ items: [{ ...toItemWrite(stubbed), expectedVersion: 0 }] });
    expect(await store.getItems([stubbed.id])).toStrictEqual([stubbed]);
  });

  it('version rows are insert-only: a second row of (item, version) is a conflict and the batch writes nothing', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('a');
    const v1 = fx.item({ cubeId, text: 'original' });
    const original = fx.version(v1, { reason: 'first' });
    await store.write({ items: [toItemWrite(v1)], versions: [original] });
    const other = fx.item({ cubeId });
    const before = await snapshot(store, cubeId, [v1.id, other.id]);
    const rewrite = fx.version({ ...v1, text: 'rewritten history' }, { actor: 'someone-else' });
    const error = await rejection(
      store.write({ items: [toItemWrite(other)], versions: [fx.version(other), rewrite], audit: [fx.audit({ cubeId, itemId: other.id })] }),
    );
    expect([error.code, error['reason'], error['entity']]).toStrictEqual(['MEMOS_CONFLICT', 'duplicate', 'version']);
    expect(await snapshot(store, cubeId, [v1.id, other.id])).toStrictEqual(before);
    expect(await store.listVersions({ cubeId, itemId: v1.id })).toStrictEqual([original]);
    // The same row twice in one batch is a conflict as well.
    const twice = fx.item({ cubeId });
    const dup = await rejection(store.write({ items: [toItemWrite(twice)], versions: [fx.version(twice), fx.version(twice, { actor: 'x' })] }));
    expect([dup.code, dup['reason']]).toStrictEqual(['MEMOS_CONFLICT', 'duplicate']);
    expect(await store.getItems([twice.id])).toStrictEqual([]);
    expect(await store.listVersions({ cubeId, itemId: twice.id })).toStrictEqual([]);
    // Racing inserts of one row (no item write to serialise them): one lands, the others conflict.
    const raced = fx.item({ cubeId });
    const rows = Array.from({ length: 5 }, (_, w) => fx.version(raced, { actor: `writer-${w}` }));
    const results = await Promise.allSettled(rows.map((row) => store.write({ versions: [row] })));
    const landed = results.flatMap((r, w) => (r.status === 'fulfilled' ? [rows[w]] : []));
    expect(landed).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect([(r.reason as MemosError).code, (r.reason as { reason?: unknown }).reason]).toStrictEqual(['MEMOS_CONFLICT', 'duplicate']);
    expect(await store.listVersions({ cubeId, itemId: raced.id })).toStrictEqual(landed);
  });

  it('audit records are append-only: an existing audit id is a conflict and the batch writes nothing', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('a');
    const record = fx.audit({ cubeId, action: 'add', at: isoAt(10) });
    await store.write({ audit: [record] });
    const item = fx.item({ cubeId });
    const error = await rejection(
      store.write({ items: [toItemWrite(item)], versions: [fx.version(item)], audit: [{ ...record, action: 'tampered', at: isoAt(20) }] }),
    );
    expect([error.code, error['reason'], error['entity'], error['id']]).toStrictEqual(['MEMOS_CONFLICT', 'duplicate', 'audit', record.id]);
    expect(await store.listAudit({ cubeId })).toStrictEqual([record]);
    expect(await store.getItems([item.id])).toStrictEqual([]);
    expect(await store.listVersions({ cubeId, itemId: item.id })).toStrictEqual([]);
    const fresh = fx.audit({ cubeId, at: isoAt(30) });
    await expectMemosError(store.write({ audit: [fresh, { ...fresh }] }), 'MEMOS_CONFLICT');
    expect(await store.listAudit({ cubeId })).toStrictEqual([record]);
  });

  it('rejects a malformed expectedVersion, and a versioned id written twice in one batch, before writing', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('a');
    const item = fx.item({ cubeId });
    for (const expectedVersion of [-1, 1.5, Number.NaN, '1' as unknown as number]) {
      await expectMemosError(store.write({ items: [{ ...toItemWrite(item), expectedVersion }] }), 'MEMOS_VALIDATION');
    }
    await expectMemosError(store.write({ items: [{ ...toItemWrite(item), expectedVersion: 0 }, toItemWrite({ ...item, version: 2 })] }), 'MEMOS_VALIDATION');
    await expectMemosError(store.write({ items: [toItemWrite(item), { ...toItemWrite({ ...item, version: 2 }), expectedVersion: 1 }] }), 'MEMOS_VALIDATION');
    expect(await store.getItems([item.id])).toStrictEqual([]);
  });

  it('concurrent writers of one item at one expected version: exactly one wins each round, versions stay 1..n', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('a');
    const v1 = fx.item({ cubeId });
    await store.write({ items: [{ ...toItemWrite(v1), expectedVersion: 0 }], versions: [fx.version(v1)] });
    const writers = 6;
    let current: MemoryItem = v1;
    const acknowledged: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      const next = Array.from({ length: writers }, (_, w): MemoryItem => ({ ...current, text: `round ${round} writer ${w}`, version: current.version + 1 }));
      const results = await Promise.allSettled(
        next.map((item) => store.write({ items: [{ ...toItemWrite(item), expectedVersion: current.version }], versions: [fx.version(item)] })),
      );
      const won = results.flatMap((r, w) => (r.status === 'fulfilled' ? [next[w] as MemoryItem] : []));
      for (const r of results) if (r.status === 'rejected') expect((r.reason as { reason?: unknown }).reason).toBe('version-mismatch');
      expect(won).toHaveLength(1);
      current = won[0] as MemoryItem;
      acknowledged.push(current.text);
    }
    expect(await store.getItems([v1.id])).toStrictEqual([current]);
    const history = await store.listVersions({ cubeId, itemId: v1.id });
    expect(history.map((v) => v.version)).toStrictEqual([1, 2, 3, 4]);
    expect(history.slice(1).map((v) => v.snapshot.text)).toStrictEqual(acknowledged);
  });

  it('setVectorSyncState with a version updates only an item still at that version and returns the ids updated', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('a');
    const [i1, i2, i3] = [fx.item({ cubeId, vectorSyncState: 'pending' }), fx.item({ cubeId, version: 2 }), fx.item({ cubeId })];
    await store.write({ items: [i1, i2, i3].map((item) => toItemWrite(item)) });
    const updated = await store.setVectorSyncState([{ id: i1.id, version: 1 }, { id: i2.id, version: 1 }, i3.id, { id: fx.id('missing'), version: 1 }], 'synced', 'm/1');
    expect([...updated].sort()).toStrictEqual([i1.id, i3.id].sort());
    expect(await store.getItems([i1.id, i2.id, i3.id])).toStrictEqual([
      { ...i1, vectorSyncState: 'synced', embeddingModel: 'm/1' },
      i2,
      { ...i3, vectorSyncState: 'synced', embeddingModel: 'm/1' },
    ]);
    expect(await store.setVectorSyncState([], 'failed')).toStrictEqual([]);
    await expectMemosError(store.setVectorSyncState([{ id: i1.id, version: 0 }], 'failed'), 'MEMOS_VALIDATION');
    await expectMemosError(store.setVectorSyncState([{ id: '', version: 1 }], 'failed'), 'MEMOS_VALIDATION');
    expect((await store.getItems([i1.id]))[0]?.vectorSyncState).toBe('synced');
  });

  it('a conditional setVectorSyncState racing a write of the next version never lands on the new version', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('a');
    let item = fx.item({ cubeId, vectorSyncState: 'pending', embeddingModel: 'writer' });
    await store.write({ items: [toItemWrite(item)] });
    for (let round = 0; round < 12; round += 1) {
      const next: MemoryItem = { ...item, version: item.version + 1, text: `round ${round}` };
      // The bookkeeping call for the old version and the write of the new one race; whichever the
      // store serialises first, the new version must not carry the old version's sync state.
      await Promise.all([
        store.setVectorSyncState([{ id: item.id, version: item.version }], 'synced', `marker-${item.version}`),
        store.write({ items: [{ ...toItemWrite(next), expectedVersion: item.version }] }),
      ]);
      const [stored] = await store.getItems([item.id]);
      expect([stored?.version, stored?.embeddingModel, stored?.vectorSyncState]).toStrictEqual([next.version, 'writer', 'pending']);
      item = next;
    }
  });
}
