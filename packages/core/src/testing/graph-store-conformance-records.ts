import { expect, it } from 'vitest';
import { MemosError } from '../errors/memos-error.ts';
import { isoAt } from './fixtures.ts';
import { expectMemosError, rejection, type GraphConformanceContext } from './graph-store-conformance.ts';


/**
 * Conditional writes of user and cube records: `putCube(cube, { expect: 'absent' })` creates only,
 * `putCube(cube, { expect: { updatedAt } })` is a compare-and-set, `putUser(user, { expect:
 * 'absent' })` creates only, each checked in the write's transaction, so concurrent callers cannot
 * overwrite each other (one winner, the others `ConflictError`, nothing of theirs stored).
 */
export function registerRecordConformance(ctx: GraphConformanceContext): void {
  it("putCube with expect 'absent' creates a cube, and refuses an existing id with ConflictError (duplicate) without writing", async () => {
    const { store, fx } = ctx;
    const id = ctx.cube('a');
    const mine = fx.cube({ id, ownerId: fx.id('alice') });
    await store.putCube(mine, { expect: 'absent' });
    expect(await store.getCube(id)).toStrictEqual(mine);
    const theirs = fx.cube({ id, ownerId: fx.id('mallory'), name: 'Taken over' });
    const error = await rejection(store.putCube(theirs, { expect: 'absent' }));
    expect(error).toMatchObject({ code: 'MEMOS_CONFLICT', reason: 'duplicate', entity: 'cube', id });
    expect(await store.getCube(id)).toStrictEqual(mine);
    // The unconditional form still replaces by id.
    const renamed = { ...mine, name: 'Renamed' };
    await store.putCube(renamed);
    expect(await store.getCube(id)).toStrictEqual(renamed);
  });

  it("concurrent putCube with expect 'absent' of one id: exactly one succeeds, the others are ConflictError, the winner's record is stored", async () => {
    const { store, fx } = ctx;
    const id = ctx.cube('race');
    const contenders = Array.from({ length: 8 }, (_, i) => fx.cube({ id, ownerId: fx.id(`owner-${i}`), name: `Contender ${i}` }));
    const results = await Promise.allSettled(contenders.map((cube) => store.putCube(cube, { expect: 'absent' })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'MEMOS_CONFLICT', reason: 'duplicate' });
    }
    expect(await store.getCube(id)).toStrictEqual(contenders[won[0] as number]);
  });

  it('putCube with expect { updatedAt } writes only while the stored cube has that updatedAt (compare-and-set)', async () => {
    const { store, fx } = ctx;
    const id = ctx.cube('cas');
    const v1 = fx.cube({ id, updatedAt: isoAt(1) });
    await store.putCube(v1);
    const v2 = { ...v1, acl: [{ userId: fx.id('bob'), access: 'read' as const }], updatedAt: isoAt(2) };
    await store.putCube(v2, { expect: { updatedAt: v1.updatedAt } });
    expect(await store.getCube(id)).toStrictEqual(v2);
    // A writer that read v1 lost the race: refused, v2 (with bob's grant) stays.
    const stale = { ...v1, acl: [{ userId: fx.id('carol'), access: 'write' as const }], updatedAt: isoAt(3) };
    const error = await rejection(store.putCube(stale, { expect: { updatedAt: v1.updatedAt } }));
    expect(error).toMatchObject({ code: 'MEMOS_CONFLICT', reason: 'version-mismatch', entity: 'cube', id });
    expect(await store.getCube(id)).toStrictEqual(v2);
  });

  it('putCube compare-and-set never creates: an absent or deleted cube is a ConflictError and stays absent', async () => {
    const { store, fx } = ctx;
    const never = fx.cube({ id: ctx.cube('never') });
    const missing = await rejection(store.putCube(never, { expect: { updatedAt: isoAt(0) } }));
    expect(missing).toMatchObject({ code: 'MEMOS_CONFLICT', reason: 'version-mismatch', id: never.id });
    expect(await store.getCube(never.id)).toBeUndefined();
    // A share that read the cube before a deleteCube must not resurrect it.
    const id = ctx.cube('gone');
    const cube = fx.cube({ id });
    await store.putCube(cube);
    await store.deleteCube(id);
    const resurrect = { ...cube, acl: [{ userId: fx.id('bob'), access: 'read' as const }], updatedAt: isoAt(99) };
    await expectMemosError(store.putCube(resurrect, { expect: { updatedAt: cube.updatedAt } }), 'MEMOS_CONFLICT');
    expect(await store.getCube(id)).toBeUndefined();
    expect((await store.listCubes()).map((c) => c.id)).not.toContain(id);
  });

  it('concurrent compare-and-set puts from one read: exactly one succeeds, the others are version-mismatch conflicts', async () => {
    const { store, fx } = ctx;
    const id = ctx.cube('cas-race');
    const base = fx.cube({ id, updatedAt: isoAt(1) });
    await store.putCube(base);
    const attempts = Array.from({ length: 8 }, (_, i) => ({ ...base, acl: [{ userId: fx.id(`u${i}`), access: 'read' as const }], updatedAt: isoAt(10 + i) }));
    const results = await Promise.allSettled(attempts.map((cube) => store.putCube(cube, { expect: { updatedAt: base.updatedAt } })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'MEMOS_CONFLICT', reason: 'version-mismatch' });
    }
    expect(await store.getCube(id)).toStrictEqual(attempts[won[0] as number]);
  });

  it("putUser with expect 'absent' creates a user once: a repeated id (also concurrently) is a ConflictError and keeps the first record", async () => {
    const { store, fx } = ctx;
    const first = fx.user({ name: 'First' });
    await store.putUser(first, { expect: 'absent' });
    const error = await rejection(store.putUser({ ...first, name: 'Second', role: 'admin' }, { expect: 'absent' }));
    expect(error).toMatchObject({ code: 'MEMOS_CONFLICT', reason: 'duplicate', entity: 'user', id: first.id });
    expect(await store.getUser(first.id)).toStrictEqual(first);

    const id = fx.id('raced-user');
    const contenders = Array.from({ length: 8 }, (_, i) => fx.user({ id, name: `Contender ${i}` }));
    const results = await Promise.allSettled(contenders.map((user) => store.putUser(user, { expect: 'absent' })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'MEMOS_CONFLICT', reason: 'duplicate' });
    }
    expect(await store.getUser(id)).toStrictEqual(contenders[won[0] as number]);
  });

  it('a malformed expectation is a ValidationError and writes nothing', async () => {
    const { store, fx } = ctx;
    const cube = fx.cube({ id: ctx.cube('bad') });
    const user = fx.user();
    const bad: unknown[] = ['present', null, 5, {}, { updatedAt: 5 }, { updatedAt: '' }];
    for (const expectation of bad) {
      await expectMemosError(store.putCube(cube, { expect: expectation as 'absent' }), 'MEMOS_VALIDATION');
      await expectMemosError(store.putUser(user, { expect: expectation as 'absent' }), 'MEMOS_VALIDATION');
    }
    await expectMemosError(store.putUser(user, { expect: { updatedAt: isoAt(1) } as unknown as 'absent' }), 'MEMOS_VALIDATION');
    expect(await store.getCube(cube.id)).toBeUndefined();
    // A compare-and-set that keeps updatedAt would let a later writer that read either record pass.
    await store.putCube(cube);
    const same = { ...cube, name: 'Same updatedAt' };
    await expectMemosError(store.putCube(same, { expect: { updatedAt: cube.updatedAt } }), 'MEMOS_VALIDATION');
    expect(await store.getCube(cube.id)).toStrictEqual(cube);
    expect(await store.getUser(user.id)).toBeUndefined();
  });
}
