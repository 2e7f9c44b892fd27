import { InMemoryStore, type BaseStore, type Item, type Operation } from '@langchain/langgraph-checkpoint';
import { MemosError, ValidationError, type AdapterIdentity, type MemOS } from '@memos-js/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALICE_SECRET, createTestMos, createTwoUserMos, HOSTILE_BOB_RUN, serverIdentity } from '../test-support/create-test-mos.ts';
import { MemOSStore } from './memos-store.ts';

type Step = { name: string; run: (store: BaseStore) => Promise<unknown> };

/** Results without timestamps and scores (the only fields allowed to differ). */
function comparable(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'object' && 'key' in value && 'namespace' in value) {
    const item = value as Item;
    return { namespace: item.namespace, key: item.key, value: item.value };
  }
  return value;
}

const big = { text: 'a long document', body: 'x'.repeat(9_000), nested: { list: [1, 2, { deep: true }] } };

const steps: Step[] = [
  { name: 'put alice theme', run: (s) => s.put(['users', 'alice', 'prefs'], 'theme', { theme: 'dark', n: 1 }) },
  { name: 'put alice lang', run: (s) => s.put(['users', 'alice', 'prefs'], 'lang', { lang: 'en', n: 2 }) },
  { name: 'put bob theme', run: (s) => s.put(['users', 'bob', 'prefs'], 'theme', { theme: 'light', n: 3 }) },
  { name: 'put d1', run: (s) => s.put(['docs'], 'd1', { text: 'Python tutorial for beginners', kind: 'guide', stars: 5 }) },
  { name: 'put d2', run: (s) => s.put(['docs'], 'd2', { text: 'TypeScript guide to generics', kind: 'guide', stars: 3 }) },
  { name: 'put archive d0', run: (s) => s.put(['docs', 'archive'], 'd0', { text: 'Old meeting notes', kind: 'notes', stars: 1 }) },
  { name: 'put big', run: (s) => s.put(['blobs'], 'big', big) },
  { name: 'get alice theme', run: (s) => s.get(['users', 'alice', 'prefs'], 'theme') },
  { name: 'get missing key', run: (s) => s.get(['users', 'alice', 'prefs'], 'nope') },
  { name: 'get missing namespace', run: (s) => s.get(['nobody'], 'theme') },
  { name: 'get big', run: (s) => s.get(['blobs'], 'big') },
  { name: 'search users', run: (s) => s.search(['users']) },
  { name: 'search everything', run: (s) => s.search([], { limit: 100 }) },
  { name: 'search exact namespace', run: (s) => s.search(['users', 'alice', 'prefs']) },
  { name: 'search label prefix is not a namespace prefix', run: (s) => s.search(['use']) },
  { name: 'filter equality', run: (s) => s.search(['docs'], { filter: { kind: 'guide' } }) },
  { name: 'filter $gte', run: (s) => s.search([], { filter: { stars: { $gte: 3 } } }) },
  { name: 'filter range', run: (s) => s.search([], { filter: { stars: { $gt: 1, $lt: 5 } } }) },
  { name: 'filter $in', run: (s) => s.search([], { filter: { theme: { $in: ['dark', 'light'] } } }) },
  { name: 'filter $nin', run: (s) => s.search(['docs'], { filter: { kind: { $nin: ['notes'] } } }) },
  { name: 'filter $ne', run: (s) => s.search(['users'], { filter: { n: { $ne: 2 } } }) },
  { name: 'filter two fields', run: (s) => s.search([], { filter: { kind: 'guide', stars: { $lte: 3 } } }) },
  { name: 'filter no match', run: (s) => s.search([], { filter: { kind: 'poem' } }) },
  { name: 'filter on object never matches', run: (s) => s.search([], { filter: { nested: { list: [1] } } }) },
  { name: 'limit', run: (s) => s.search([], { limit: 2 }) },
  { name: 'offset', run: (s) => s.search([], { limit: 2, offset: 3 }) },
  { name: 'offset past end', run: (s) => s.search([], { offset: 50 }) },
  { name: 'update alice theme', run: (s) => s.put(['users', 'alice', 'prefs'], 'theme', { theme: 'solarized', n: 1 }) },
  { name: 'get updated', run: (s) => s.get(['users', 'alice', 'prefs'], 'theme') },
  { name: 'update keeps order', run: (s) => s.search(['users']) },
  { name: 'delete d1', run: (s) => s.delete(['docs'], 'd1') },
  { name: 'get deleted', run: (s) => s.get(['docs'], 'd1') },
  { name: 'search after delete', run: (s) => s.search(['docs']) },
  { name: 'delete missing is a no-op', run: (s) => s.delete(['docs'], 'never') },
  { name: 're-put d1 goes last in its namespace', run: (s) => s.put(['docs'], 'd1', { text: 'Python tutorial, second edition', kind: 'guide', stars: 4 }) },
  { name: 'search after re-put', run: (s) => s.search([], { limit: 100 }) },
  { name: 'list all', run: (s) => s.listNamespaces() },
  { name: 'list prefix', run: (s) => s.listNamespaces({ prefix: ['users'] }) },
  { name: 'list suffix', run: (s) => s.listNamespaces({ suffix: ['prefs'] }) },
  { name: 'list wildcard', run: (s) => s.listNamespaces({ prefix: ['users', '*', 'prefs'] }) },
  { name: 'list prefix + suffix', run: (s) => s.listNamespaces({ prefix: ['docs'], suffix: ['archive'] }) },
  { name: 'list maxDepth 1', run: (s) => s.listNamespaces({ maxDepth: 1 }) },
  { name: 'list maxDepth 2', run: (s) => s.listNamespaces({ maxDepth: 2 }) },
  { name: 'list limit offset', run: (s) => s.listNamespaces({ limit: 2, offset: 1 }) },
  { name: 'batch reads see the state before its writes', run: (s) => s.batch([{ namespace: ['b'], key: 'k', value: { v: 1 } }, { namespace: ['b'], key: 'k' }] as Operation[]) },
  { name: 'batch: last write per key wins', run: (s) => s.batch([{ namespace: ['b'], key: 'k', value: { v: 2 } }, { namespace: ['b'], key: 'k', value: { v: 3 } }] as Operation[]) },
  { name: 'get batch result', run: (s) => s.get(['b'], 'k') },
  { name: 'batch mixes all operations', run: (s) => s.batch([
    { namespace: ['b'], key: 'k' },
    { namespacePrefix: ['docs'], filter: { kind: 'guide' }, limit: 10, offset: 0 },
    { matchConditions: [{ matchType: 'prefix', path: ['users'] }], limit: 10, offset: 0 },
    { namespace: ['b'], key: 'k', value: null },
  ] as Operation[]) },
  { name: 'get after batch delete', run: (s) => s.get(['b'], 'k') },
];

describe('MemOSStore vs InMemoryStore', () => {
  let mos: MemOS;
  beforeEach(async () => {
    mos = await createTestMos();
  });
  afterEach(async () => {
    await mos.close();
  });

  it('gives the same results, operation by operation (timestamps and scores aside)', async () => {
    const memos = new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } });
    const reference = new InMemoryStore();
    for (const step of steps) {
      const expected = comparable(await step.run(reference));
      const actual = comparable(await step.run(memos));
      expect(actual, step.name).toEqual(expected);
    }
  });

  it('returns Dates; an update keeps createdAt and moves updatedAt; a put to an existing key is a new MemOS version', async () => {
    const store = new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } });
    await store.put(['p'], 'k', { text: 'first' });
    const before = await store.get(['p'], 'k');
    expect(before?.createdAt).toBeInstanceOf(Date);
    expect(before?.updatedAt).toBeInstanceOf(Date);
    await new Promise((r) => setTimeout(r, 5));
    await store.put(['p'], 'k', { text: 'second' });
    const after = await store.get(['p'], 'k');
    expect(after?.createdAt.getTime()).toBe(before?.createdAt.getTime());
    expect(after!.updatedAt.getTime()).toBeGreaterThan(before!.updatedAt.getTime());

    const { items } = await mos.getAll({ userId: 'alice', filter: { metadata: { 'lg:key': 'k' } } });
    expect(items).toHaveLength(1);
    expect(items[0]?.text).toBe('second');
    const history = await mos.history({ userId: 'alice', id: items[0]!.id });
    expect(history.map((v) => [v.version, v.action, v.snapshot.text])).toEqual([[1, 'create', 'first'], [2, 'update', 'second']]);

    await store.delete(['p'], 'k');
    const deleted = await mos.get({ userId: 'alice', id: items[0]!.id });
    expect(deleted.status).toBe('deleted');
    expect(await store.get(['p'], 'k')).toBeNull();
  });

  it('ranks a query with MemOS hybrid search and returns the same items as an unranked search', async () => {
    const store = new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } });
    const reference = new InMemoryStore();
    const docs: Array<[string, Record<string, unknown>]> = [
      ['coffee', { text: 'Alice drinks her espresso black every morning', kind: 'food' }],
      ['hiking', { text: 'Alice went hiking in the Swiss Alps last summer', kind: 'travel' }],
      ['python', { text: 'Alice writes Python scripts at work', kind: 'work' }],
      ['tea', { text: 'Bob prefers green tea in the afternoon', kind: 'food' }],
    ];
    for (const [key, value] of docs) {
      await store.put(['memories', 'alice'], key, value);
      await reference.put(['memories', 'alice'], key, value);
    }
    const ranked = await store.search(['memories'], { query: 'Where in the Alps did Alice go hiking?', limit: 10 });
    expect(ranked[0]?.key).toBe('hiking');
    expect(ranked.every((r) => typeof r.score === 'number')).toBe(true);
    const scores = ranked.map((r) => r.score!);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const unranked = await reference.search(['memories'], { query: 'Where in the Alps did Alice go hiking?', limit: 10 });
    expect(ranked.map((r) => r.key).sort()).toEqual(unranked.map((r) => r.key).sort());

    const food = await store.search(['memories'], { query: 'morning drink', filter: { kind: 'food' } });
    expect(food.map((r) => r.key).sort()).toEqual(['coffee', 'tea']);
    expect(food[0]?.key).toBe('coffee');
    expect(await store.search(['memories'], { query: 'coffee', limit: 1, offset: 1 })).toHaveLength(1);
    expect(await store.search(['elsewhere'], { query: 'coffee' })).toEqual([]);
    const blank = await store.search(['memories'], { query: '   ' });
    expect(blank.map((r) => [r.key, r.score])).toEqual(docs.map(([key]) => [key, undefined]));
    const long = await store.search(['memories'], { query: `espresso ${'morning '.repeat(1_000)}`, limit: 1 });
    expect(long[0]?.key).toBe('coffee');
  });

  it('keeps items put with index: false out of the ranking, after the ranked ones and without a score', async () => {
    const store = new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } });
    await store.put(['n'], 'secret', { text: 'hiking boots size 39' }, false);
    await store.put(['n'], 'plain', { text: 'hiking trip to Norway' });
    const results = await store.search(['n'], { query: 'hiking' });
    expect(results.map((r) => [r.key, r.score === undefined])).toEqual([['plain', false], ['secret', true]]);
  });

  it('pages through the ranked items, then the unranked ones: an index: false item is on exactly one page', async () => {
    const store = new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } });
    await store.put(['n'], 'secret', { text: 'hiking boots size 39' }, false);
    await store.put(['n'], 'a', { text: 'hiking trip to Norway' });
    await store.put(['n'], 'b', { text: 'hiking in the Alps' });
    await store.put(['n'], 'hidden2', { text: 'hiking poles' }, false);
    const pages = [];
    for (let offset = 0; offset < 6; offset += 1) pages.push((await store.search(['n'], { query: 'hiking', limit: 1, offset })).map((r) => r.key));
    expect(pages.slice(0, 2).flat().sort()).toEqual(['a', 'b']);
    expect(pages.slice(2)).toEqual([['secret'], ['hidden2'], [], []]);
    const wide = await store.search(['n'], { query: 'hiking', limit: 3, offset: 1 });
    expect(wide.map((r) => [r.key, r.score === undefined])).toEqual([[pages[1]![0], false], ['secret', true], ['hidden2', true]]);
  });

  it('indexes the chosen fields and makes store items ordinary MemOS memories', async () => {
    const store = new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' }, index: { fields: ['title', 'tags[*]'] } });
    await store.put(['books'], 'b1', { title: 'The Hobbit', tags: ['fantasy', 'dragons'], isbn: '978-0' });
    const { hits } = await mos.search({ userId: 'alice', query: 'dragons fantasy' });
    expect(hits[0]?.item.text).toBe('The Hobbit\nfantasy\ndragons');
    expect(hits[0]?.item.tags).toContain('langgraph');
  });

  it('shows an edit made through MemOS in the indexed value field', async () => {
    const store = new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } });
    await store.put(['m'], 'fact', { text: 'Alice lives in Lyon', source: 'chat' });
    const { items } = await mos.getAll({ userId: 'alice', filter: { metadata: { 'lg:key': 'fact' } } });
    await mos.update({ userId: 'alice', id: items[0]!.id, text: 'Alice lives in Grenoble' });
    expect((await store.get(['m'], 'fact'))?.value).toEqual({ text: 'Alice lives in Grenoble', source: 'chat' });
    await store.put(['m'], 'fact', { text: 'Alice lives in Paris', source: 'store' });
    expect((await store.get(['m'], 'fact'))?.value).toEqual({ text: 'Alice lives in Paris', source: 'store' });
  });

  it('keeps a long text as one memory with the exact text', async () => {
    const store = new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } });
    const text = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} about the garden.`).join(' ');
    await store.put(['long'], 'k', { text });
    const { items } = await mos.getAll({ userId: 'alice', filter: { metadata: { 'lg:key': 'k' } } });
    expect(items).toHaveLength(1);
    expect(items[0]?.text).toBe(text);
    expect((await store.get(['long'], 'k'))?.value).toEqual({ text });
  });

  it('persists across store instances and separates stores by name', async () => {
    await new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } }).put(['s'], 'k', { v: 1 });
    expect((await new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } }).get(['s'], 'k'))?.value).toEqual({ v: 1 });
    const other = new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' }, storeName: 'other' });
    expect(await other.get(['s'], 'k')).toBeNull();
    expect(await other.listNamespaces()).toEqual([]);
  });

  it('lists only namespaces with live items (InMemoryStore also lists emptied ones)', async () => {
    const store = new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } });
    const reference = new InMemoryStore();
    for (const s of [store, reference] as BaseStore[]) {
      await s.put(['a'], 'k', { v: 1 });
      await s.put(['b'], 'k', { v: 1 });
      await s.delete(['b'], 'k');
    }
    expect(await store.listNamespaces()).toEqual([['a']]);
    expect(await reference.listNamespaces()).toEqual([['a'], ['b']]);
  });

  it('rejects bad operations with typed MemosErrors and writes nothing', async () => {
    const store = new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } });
    const bad: Array<[string, Operation[]]> = [
      ['label with a dot', [{ namespace: ['a.b'], key: 'k', value: { v: 1 } }]],
      ['empty namespace', [{ namespace: [], key: 'k', value: { v: 1 } }]],
      ['empty key', [{ namespace: ['a'], key: '', value: { v: 1 } }]],
      ['array value', [{ namespace: ['a'], key: 'k', value: [1, 2] as unknown as Record<string, unknown> }]],
      ['namespace not an array', [{ namespace: 'a' as unknown as string[], key: 'k' }]],
    ];
    for (const [name, ops] of bad) {
      const error = await store.batch(ops).then(() => undefined, (e: unknown) => e);
      expect(error, name).toBeInstanceOf(ValidationError);
    }
    expect((await mos.getAll({ userId: 'alice' })).total).toBe(0);
    const foreign = new MemOSStore({ mos, identity: { userId: 'alice', cubeId: 'no-such-cube' } });
    await expect(foreign.put(['a'], 'k', { v: 1 })).rejects.toSatisfy(MemosError.isInstance);
  });
});

describe('MemOSStore: identity and namespaces through the MOS access control', () => {
  let mos: MemOS;
  /** Namespaces `['memories', <user>, ...]` live in `<user>-notes`. */
  const namespaceCube = (ns: readonly string[]) => (ns[0] === 'memories' && ns[1] !== undefined ? `${ns[1]}-notes` : undefined);
  beforeEach(async () => {
    mos = await createTwoUserMos();
    await new MemOSStore({ mos, identity: { userId: 'alice' }, namespaceCube }).put(['memories', 'alice'], 'key', { text: ALICE_SECRET });
  });
  afterEach(async () => {
    await mos.close();
  });

  it('a user cannot read or write another user\'s namespace; a shared cube opens it for reading only', async () => {
    const bob = new MemOSStore({ mos, identity: { userId: 'bob' }, namespaceCube });
    await bob.put(['memories', 'bob'], 'k', { text: 'Bob likes jazz' });
    const before = (await mos.getAll({ userId: 'alice' })).items.map((i) => [i.id, i.version, i.text]);

    await expect(bob.get(['memories', 'alice'], 'key')).rejects.toSatisfy(MemosError.isInstance);
    await expect(bob.search(['memories', 'alice'], { query: 'door key' })).rejects.toSatisfy(MemosError.isInstance);
    await expect(bob.put(['memories', 'alice'], 'key', { text: 'overwritten by Bob' })).rejects.toSatisfy(MemosError.isInstance);
    await expect(bob.put(['memories', 'alice'], 'new', { text: 'planted by Bob' })).rejects.toSatisfy(MemosError.isInstance);
    await expect(bob.delete(['memories', 'alice'], 'key')).rejects.toSatisfy(MemosError.isInstance);
    // A prefix spanning every user's namespace shows Bob only his own.
    expect((await bob.search(['memories'], { query: 'door key spare flower pot jazz' })).map((r) => r.value)).toEqual([{ text: 'Bob likes jazz' }]);
    expect((await bob.search([], { limit: 100 })).map((r) => r.namespace)).toEqual([['memories', 'bob']]);
    expect(await bob.listNamespaces()).toEqual([['memories', 'bob']]);
    // A namespace that maps to no cube is refused before anything runs.
    await expect(bob.batch([{ namespace: ['memories', 'bob'], key: 'x', value: { v: 1 } }, { namespace: ['elsewhere'], key: 'k', value: { v: 1 } }])).rejects.toMatchObject({ field: 'store.batch[1].namespace' });
    expect(await bob.get(['memories', 'bob'], 'x')).toBeNull();
    expect((await mos.getAll({ userId: 'alice' })).items.map((i) => [i.id, i.version, i.text])).toEqual(before);

    await mos.shareCube({ userId: 'alice', cubeId: 'alice-notes', withUserId: 'bob', access: 'read' });
    expect((await bob.get(['memories', 'alice'], 'key'))?.value).toEqual({ text: ALICE_SECRET });
    expect((await bob.search(['memories'], { limit: 10 })).map((r) => r.namespace[1]).sort()).toEqual(['alice', 'bob']);
    await expect(bob.put(['memories', 'alice'], 'key', { text: 'overwritten by Bob' })).rejects.toSatisfy(MemosError.isInstance);
    expect((await mos.getAll({ userId: 'alice' })).items.map((i) => [i.id, i.version, i.text])).toEqual(before);
  });

  it('an item counts only in the cube its namespace maps to (one planted in another cube is not shown)', async () => {
    const bob = new MemOSStore({ mos, identity: { userId: 'bob', cubeId: 'bob-notes' } });
    // Bob writes ['memories', 'alice'] into his own cube through a store without a mapping…
    await bob.put(['memories', 'alice'], 'fake', { text: 'Alice wants Bob to have her key' });
    // …which Alice's mapped store never shows as hers, even once she can read Bob's cube.
    await mos.shareCube({ userId: 'bob', cubeId: 'bob-notes', withUserId: 'alice', access: 'read' });
    const alice = new MemOSStore({ mos, identity: { userId: 'alice' }, namespaceCube });
    expect((await alice.search(['memories'], { limit: 10 })).map((r) => r.value)).toEqual([{ text: ALICE_SECRET }]);
    expect((await alice.search(['memories'], { query: 'key', limit: 10 })).map((r) => r.value)).toEqual([{ text: ALICE_SECRET }]);
  });

  it('resolves the identity from the run it is bound to, never from client-set fields; unbound, a run resolver fails closed', async () => {
    const store = new MemOSStore({ mos, identity: serverIdentity });
    const asBob = store.forRun(HOSTILE_BOB_RUN);
    await asBob.put(['memories', 'alice'], 'note', { text: 'Bob was here' });
    expect((await asBob.search(['memories'], { query: 'spare door key Bob', limit: 10 })).map((r) => r.value)).toEqual([{ text: 'Bob was here' }]);
    const [bobItem] = (await mos.getAll({ userId: 'bob', filter: { metadata: { 'lg:key': 'note' } } })).items;
    expect(bobItem?.cubeId).toBe('bob-notes');
    expect((await mos.getAll({ userId: 'alice', filter: { metadata: { 'lg:key': 'note' } } })).total).toBe(0);

    await expect(store.search(['memories'])).rejects.toMatchObject({ field: 'store.userId' });
    await expect(store.put(['memories', 'x'], 'k', { v: 1 })).rejects.toBeInstanceOf(ValidationError);
    const trusting = new MemOSStore({ mos, trustClientIdentity: true });
    await expect(trusting.search(['memories'])).rejects.toMatchObject({ field: 'store.userId' });
    expect(await trusting.forRun({ configurable: { userId: 'bob', cubeId: 'bob-notes' } }).search(['memories'], { limit: 10 })).toHaveLength(1);
  });

  it('needs identity or trustClientIdentity, and a cube for a fixed identity', () => {
    expect(() => new MemOSStore({ mos } as never)).toThrow(expect.objectContaining({ field: 'MemOSStore.identity' }));
    expect(() => new MemOSStore({ mos, identity: { userId: 'bob' } })).toThrow(expect.objectContaining({ field: 'MemOSStore.cubeId' }));
    expect(() => new MemOSStore({ mos, identity: { userId: 'bob' } as AdapterIdentity, trustClientIdentity: true })).toThrow(ValidationError);
    expect(() => new MemOSStore({ mos, identity: { userId: 'bob' }, cubeId: 'bob-notes' })).not.toThrow();
  });
});
