import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemosError, ValidationError } from '../errors/index.ts';
import { createMemOS, type MemOS } from '../mos.ts';

const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

let now = T0;
let mos: MemOS;

beforeEach(async () => {
  now = T0;
  mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, now: () => new Date(now), vectorRetry: false });
  await mos.setup();
  await mos.createUser({ id: 'alice', name: 'Alice' });
  await mos.createUser({ id: 'bob', name: 'Bob' });
  await mos.createCube({ userId: 'alice', id: 'c1', name: 'Alice' });
  await mos.createCube({ userId: 'bob', id: 'c2', name: 'Bob' });
});
afterEach(async () => {
  await mos.close();
});

const ids = (result: { items: { id: string }[] } | { hits: { item: { id: string } }[] }) =>
  ('items' in result ? result.items : result.hits.map((h) => h.item)).map((item) => item.id).sort();

describe('TTL (issue 9, defect 8)', () => {
  it('default reads leave out items past expiresAt before any sweep; sweep expires them with a version and audit; pinned items are exempt', async () => {
    const [keep] = (await mos.add({ userId: 'alice', cubeId: 'c1', text: 'lunch plan pasta' })).items;
    const [short] = (await mos.add({ userId: 'alice', cubeId: 'c1', text: 'lunch plan soup', expiresAt: iso(60) })).items;
    const [pinned] = (await mos.add({ userId: 'alice', cubeId: 'c1', text: 'lunch plan salad', expiresAt: iso(60), pinned: true })).items;
    const all = [keep!.id, short!.id, pinned!.id].sort();
    expect(ids(await mos.getAll({ userId: 'alice' }))).toStrictEqual(all);
    expect(ids(await mos.search({ userId: 'alice', query: 'lunch plan' }))).toStrictEqual(all);

    now = T0 + 60_000; // exactly expiresAt: expired
    const live = [keep!.id, pinned!.id].sort();
    expect(ids(await mos.getAll({ userId: 'alice' }))).toStrictEqual(live);
    expect((await mos.getAll({ userId: 'alice' })).total).toBe(2);
    expect(ids(await mos.search({ userId: 'alice', query: 'lunch plan soup' }))).toStrictEqual(live);
    expect(ids(await mos.getAll({ userId: 'alice', filter: { statuses: ['active'] } }))).toStrictEqual(live);
    // Not swept yet: get shows the stored state.
    expect((await mos.get({ userId: 'alice', id: short!.id })).status).toBe('active');

    const report = await mos.sweep({ userId: 'alice' });
    expect(report).toMatchObject({ at: iso(60), expired: 1, skipped: 0, byCube: { c1: 1 } });
    const expired = await mos.get({ userId: 'alice', id: short!.id });
    expect(expired).toMatchObject({ status: 'expired', expiredAt: iso(60), version: 2 });
    const history = await mos.history({ userId: 'alice', id: short!.id });
    expect(history.at(-1)).toMatchObject({ action: 'expire', actor: 'system', at: iso(60), version: 2 });
    expect((await mos.audit({ userId: 'alice', cubeId: 'c1' })).some((a) => a.action === 'expire' && a.itemId === short!.id && a.actor === 'system')).toBe(true);
    expect(ids(await mos.getAll({ userId: 'alice' }))).toStrictEqual(live);
    expect(ids(await mos.getAll({ userId: 'alice', filter: { statuses: ['expired'] } }))).toStrictEqual([short!.id]);
    expect((await mos.get({ userId: 'alice', id: pinned!.id })).status).toBe('active');

    // Idempotent; unpinning makes the pinned item expire at the next sweep.
    expect((await mos.sweep({ userId: 'alice' })).expired).toBe(0);
    await mos.update({ userId: 'alice', id: pinned!.id, pinned: false });
    expect(ids(await mos.getAll({ userId: 'alice' }))).toStrictEqual([keep!.id]);
    expect((await mos.sweep()).expired).toBe(1);
    expect((await mos.get({ userId: 'alice', id: pinned!.id })).status).toBe('expired');
  });

  it('asOf and knownAt see an item while its TTL had not passed, swept or not', async () => {
    const [item] = (await mos.add({ userId: 'alice', cubeId: 'c1', text: 'parking spot level three', expiresAt: iso(100) })).items;
    now = T0 + 200_000;
    expect(ids(await mos.getAll({ userId: 'alice', filter: { knownAt: iso(50) } }))).toStrictEqual([item!.id]);
    expect(ids(await mos.getAll({ userId: 'alice', filter: { knownAt: iso(150) } }))).toStrictEqual([item!.id]); // statuses include expired
    expect(ids(await mos.getAll({ userId: 'alice', filter: { knownAt: iso(150), statuses: ['active'] } }))).toStrictEqual([]);
    expect(ids(await mos.getAll({ userId: 'alice', filter: { knownAt: iso(50), statuses: ['active'] } }))).toStrictEqual([item!.id]);
    await mos.sweep();
    expect(ids(await mos.getAll({ userId: 'alice', filter: { knownAt: iso(50), statuses: ['active'] } }))).toStrictEqual([item!.id]);
    expect((await mos.getAll({ userId: 'alice', filter: { knownAt: iso(250) } })).items.map((i) => i.status)).toStrictEqual(['expired']);
    expect(ids(await mos.search({ userId: 'alice', query: 'parking spot', asOf: iso(50) }))).toStrictEqual([item!.id]);
  });

  it('a user sweep touches only the cubes the user administers; a system sweep all', async () => {
    await mos.add({ userId: 'alice', cubeId: 'c1', text: 'alice note', expiresAt: iso(1) });
    await mos.add({ userId: 'bob', cubeId: 'c2', text: 'bob note', expiresAt: iso(1) });
    now = T0 + 10_000;
    expect(await mos.sweep({ userId: 'bob' })).toMatchObject({ expired: 1, byCube: { c2: 1 } });
    const denied = await mos.sweep({ userId: 'bob', cubeIds: ['c1'] }).then(() => undefined, (e: unknown) => e);
    expect(MemosError.isInstance(denied)).toBe(true);
    expect(await mos.sweep()).toMatchObject({ expired: 1, byCube: { c1: 1 } });
    await expect(mos.sweep({ userId: 'alice', extra: 1 } as never)).rejects.toBeInstanceOf(ValidationError);
  });

  it('sweeps on a configured interval in the background and stops on close', async () => {
    const background = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, lifecycle: { sweepIntervalMs: 20 }, vectorRetry: false });
    await background.setup();
    await background.createUser({ id: 'u', name: 'U' });
    await background.createCube({ userId: 'u', id: 'c', name: 'c' });
    const [item] = (await background.add({ userId: 'u', cubeId: 'c', text: 'soon gone', expiresAt: new Date(Date.now() + 50) })).items;
    let status = 'active';
    for (let i = 0; i < 200 && status !== 'expired'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await background.get({ userId: 'u', id: item!.id })).status;
    }
    expect(status).toBe('expired');
    await background.close();
    expect(() => createMemOS({ lifecycle: { sweepIntervalMs: 0 } })).toThrow(ValidationError);
  });
});

describe('time travel (issue 9, defect 7)', () => {
  it('knownAt answers from the version known then; asOf never counts an item valid before it was said or recorded', async () => {
    now = T0 + 10_000;
    const [fact] = (await mos.add({ userId: 'alice', cubeId: 'c1', text: 'favourite colour is blue' })).items;
    expect(fact!.validAt).toBe(iso(10));
    const [said] = (await mos.add({ userId: 'alice', cubeId: 'c1', messages: [{ role: 'user', content: 'favourite food is ramen', time: iso(5) }] })).items;
    expect(said!.validAt).toBe(iso(5));
    const [doc] = (await mos.add({ userId: 'alice', cubeId: 'c1', document: { text: 'meeting notes from the offsite', time: iso(2) } })).items;
    expect(doc!.validAt).toBe(iso(2));
    const [undated] = (await mos.add({ userId: 'alice', cubeId: 'c1', document: { text: 'undated handbook page' } })).items;
    expect(undated!.validAt).toBe(iso(10));
    await expect(mos.add({ userId: 'alice', cubeId: 'c1', document: { text: 'bad', time: 'someday' } })).rejects.toBeInstanceOf(ValidationError);
    await mos.delete({ userId: 'alice', id: doc!.id });
    await mos.delete({ userId: 'alice', id: undated!.id });
    now = T0 + 20_000;
    await mos.update({ userId: 'alice', id: fact!.id, text: 'favourite colour is green' });
    now = T0 + 30_000;
    const [later] = (await mos.add({ userId: 'alice', cubeId: 'c1', text: 'favourite colour maybe red' })).items;
    now = T0 + 40_000;
    await mos.delete({ userId: 'alice', id: said!.id });
    now = T0 + 50_000;

    const at15 = await mos.getAll({ userId: 'alice', filter: { knownAt: iso(15) } });
    expect(at15.items.map((i) => [i.id, i.text, i.status])).toStrictEqual([
      [fact!.id, 'favourite colour is blue', 'active'],
      [said!.id, 'favourite food is ramen', 'active'],
    ]);
    const hits = await mos.search({ userId: 'alice', query: 'favourite colour', knownAt: iso(15) });
    expect(hits.hits.map((h) => h.item.text).sort()).toStrictEqual(['favourite colour is blue', 'favourite food is ramen']);
    expect((await mos.search({ userId: 'alice', query: 'blue', knownAt: iso(15) })).hits[0]?.item.id).toBe(fact!.id);
    expect((await mos.search({ userId: 'alice', query: 'blue' })).hits.map((h) => h.item.id)).not.toContain(fact!.id);
    expect(ids(await mos.getAll({ userId: 'alice', filter: { knownAt: iso(35) } }))).toStrictEqual([fact!.id, said!.id, later!.id].sort());
    expect(ids(await mos.getAll({ userId: 'alice', filter: { knownAt: iso(45) } }))).toStrictEqual([fact!.id, later!.id].sort());
    expect(ids(await mos.getAll({ userId: 'alice', filter: { knownAt: iso(9) } }))).toStrictEqual([]);
    // World time: nothing was true in 1990; the ramen fact holds from when it was said.
    expect(ids(await mos.getAll({ userId: 'alice', filter: { asOf: '1990-01-01T00:00:00.000Z' } }))).toStrictEqual([]);
    expect(ids(await mos.search({ userId: 'alice', query: 'favourite', asOf: '1990-01-01T00:00:00.000Z' }))).toStrictEqual([]);
    expect(ids(await mos.getAll({ userId: 'alice', filter: { asOf: iso(7), knownAt: iso(15) } }))).toStrictEqual([said!.id]);
    expect(ids(await mos.getAll({ userId: 'alice', filter: { asOf: iso(7) } }))).toStrictEqual([]); // deleted since
  });

  it('an item deleted since appears under knownAt only to those who may restore it', async () => {
    const [gone] = (await mos.add({ userId: 'alice', cubeId: 'c1', text: 'old address elm street' })).items;
    now = T0 + 10_000;
    await mos.delete({ userId: 'alice', id: gone!.id });
    await mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId: 'bob', access: 'read' });
    now = T0 + 20_000;
    const at = iso(5);
    expect(ids(await mos.getAll({ userId: 'alice', filter: { knownAt: at } }))).toStrictEqual([gone!.id]);
    expect(ids(await mos.search({ userId: 'alice', query: 'elm street', knownAt: at }))).toStrictEqual([gone!.id]);
    expect(ids(await mos.getAll({ userId: 'bob', filter: { knownAt: at } }))).toStrictEqual([]);
    expect(ids(await mos.search({ userId: 'bob', query: 'elm street', knownAt: at }))).toStrictEqual([]);
    await mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId: 'bob', access: 'write' });
    expect(ids(await mos.getAll({ userId: 'bob', filter: { knownAt: at } }))).toStrictEqual([gone!.id]);
  });
});
