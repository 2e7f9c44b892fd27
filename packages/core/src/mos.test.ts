import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLexicalEmbedder } from './embedding/index.ts';
import {
  AccessDeniedError, ClosedError, ConflictError, DumpFormatError, EmbedderMismatchError, InputTooLargeError, MemosError, NotFoundError, ValidationError,
} from './errors/index.ts';
import { createMemOS, type MemOS } from './mos.ts';

function clock(start = Date.parse('2024-01-01T00:00:00.000Z')) {
  let t = start;
  return () => new Date((t += 1_000));
}

function counter() {
  let n = 0;
  return () => `id-${String(++n).padStart(5, '0')}`;
}

const CONVERSATION = [
  { role: 'user' as const, speaker: 'Caroline', content: 'I went to the LGBTQ support group yesterday and it was so powerful.', time: '1:56 pm on 8 May, 2023', messageId: 'D1:1' },
  { role: 'assistant' as const, speaker: 'Melanie', content: 'That sounds amazing! What did you learn there?', time: '1:57 pm on 8 May, 2023', messageId: 'D1:2' },
  { role: 'user' as const, speaker: 'Caroline', content: 'The transgender stories were inspiring. I want to work in counseling.', time: '1:58 pm on 8 May, 2023', messageId: 'D1:3' },
  { role: 'assistant' as const, speaker: 'Melanie', content: 'I painted a lake sunrise last year, painting helps me relax.', time: '2:00 pm on 8 May, 2023', messageId: 'D1:4' },
];

let mos: MemOS;

async function seeded(): Promise<MemOS> {
  const m = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, now: clock(), newId: counter() });
  await m.setup();
  await m.createUser({ id: 'alice', name: 'Alice' });
  await m.createUser({ id: 'bob', name: 'Bob' });
  await m.createCube({ userId: 'alice', id: 'c1', name: 'Alice memories' });
  return m;
}

async function countAll(m: MemOS, userId = 'alice'): Promise<number> {
  return (await m.getAll({ userId, filter: { statuses: ['active', 'archived', 'merged', 'invalidated', 'expired', 'deleted'] } })).total;
}

beforeEach(async () => {
  mos = await seeded();
});
afterEach(async () => {
  await mos.close();
});

describe('lifecycle', () => {
  it('refuses calls before setup and after close with ClosedError', async () => {
    const m = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } });
    await expect(m.listUsers()).rejects.toBeInstanceOf(ClosedError);
    await m.setup();
    await m.setup();
    expect(await m.listUsers()).toEqual([]);
    await m.close();
    await expect(m.listUsers()).rejects.toBeInstanceOf(ClosedError);
  });
});

describe('users and cubes', () => {
  it('creates, gets and lists users; rejects duplicates and unknown ids', async () => {
    expect((await mos.getUser({ userId: 'alice' })).name).toBe('Alice');
    expect((await mos.listUsers()).map((u) => u.id).sort()).toEqual(['alice', 'bob']);
    await expect(mos.createUser({ id: 'alice', name: 'Again' })).rejects.toBeInstanceOf(ConflictError);
    const err = await mos.getUser({ userId: 'nobody' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ entity: 'user', id: 'nobody', code: 'MEMOS_NOT_FOUND' });
    await expect(mos.createUser({ id: 'bad id!', name: 'x' })).rejects.toMatchObject({ field: 'createUser.id' });
  });

  it('creates cubes bound to the embedder, lists by access, shares and revokes', async () => {
    const cube = await mos.getCube({ userId: 'alice', cubeId: 'c1' });
    expect(cube.embedder.fingerprint).toBe(mos.embedder.fingerprint);
    expect(await mos.listCubes({ userId: 'bob' })).toEqual([]);
    // A non-member gets the same NotFoundError for a cube that exists and one that does not.
    const hidden = await mos.getCube({ userId: 'bob', cubeId: 'c1' }).catch((e: unknown) => e);
    const missing = await mos.getCube({ userId: 'bob', cubeId: 'c9' }).catch((e: unknown) => e);
    expect(hidden).toBeInstanceOf(NotFoundError);
    expect(hidden).toMatchObject({ code: 'MEMOS_NOT_FOUND', entity: 'cube', id: 'c1', message: (missing as Error).message.replace('c9', 'c1') });
    expect(missing).toMatchObject({ code: 'MEMOS_NOT_FOUND', entity: 'cube', id: 'c9' });
    await expect(mos.shareCube({ userId: 'bob', cubeId: 'c1', withUserId: 'bob', access: 'read' })).rejects.toBeInstanceOf(NotFoundError);
    await mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId: 'bob', access: 'read' });
    expect((await mos.listCubes({ userId: 'bob' })).map((c) => c.id)).toEqual(['c1']);
    await expect(mos.add({ userId: 'bob', cubeId: 'c1', text: 'bob writes' })).rejects.toBeInstanceOf(AccessDeniedError);
    await mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId: 'bob', access: 'write' });
    await mos.add({ userId: 'bob', cubeId: 'c1', text: 'bob writes' });
    await mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId: 'bob', access: 'none' });
    await expect(mos.search({ userId: 'bob', query: 'bob', cubeIds: ['c1'] })).rejects.toBeInstanceOf(NotFoundError);
    await expect(mos.createCube({ userId: 'alice', id: 'c1', name: 'dup' })).rejects.toBeInstanceOf(ConflictError);
    await expect(mos.createCube({ userId: 'ghost', name: 'x' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes a cube with everything in it', async () => {
    await mos.add({ userId: 'alice', cubeId: 'c1', text: 'soon gone' });
    await mos.deleteCube({ userId: 'alice', cubeId: 'c1' });
    await expect(mos.getCube({ userId: 'alice', cubeId: 'c1' })).rejects.toBeInstanceOf(NotFoundError);
    expect(await countAll(mos)).toBe(0);
  });
});

describe('add', () => {
  it('turns each message into an item with speaker, chat time, message id and session', async () => {
    const { items } = await mos.add({ userId: 'alice', cubeId: 'c1', sessionId: 's1', messages: CONVERSATION });
    expect(items).toHaveLength(4);
    const first = items[0]!;
    expect(first.text).toContain('LGBTQ support group');
    expect(first.sessionId).toBe('s1');
    expect(first.sources[0]).toMatchObject({ role: 'user', speaker: 'Caroline', messageId: 'D1:1', chatTime: '2023-05-08T13:56:00.000Z', sessionId: 's1' });
    expect(first.validAt).toBe('2023-05-08T13:56:00.000Z');
    expect(first).toMatchObject({ status: 'active', version: 1, ownerId: 'alice', cubeId: 'c1', vectorSyncState: 'synced' });
    const stored = await mos.get({ userId: 'alice', id: first.id });
    expect(stored).toEqual(first);
    const edges = await mos.graph.listEdges({ cubeIds: ['c1'], types: ['FOLLOWS'] });
    expect(edges.map((e) => [e.from, e.to])).toEqual(expect.arrayContaining([[items[1]!.id, items[0]!.id], [items[3]!.id, items[2]!.id]]));
    expect(edges).toHaveLength(3);
  });

  it('adds plain text and documents with tags, metadata and TTL', async () => {
    const { items: [note] } = await mos.add({ userId: 'alice', cubeId: 'c1', text: 'Alice is allergic to peanuts', tags: ['health'], metadata: { source: 'form' }, memoryType: 'fact', expiresAt: '2030-01-01T00:00:00Z' });
    expect(note).toMatchObject({ memoryType: 'fact', metadata: { source: 'form' }, expiresAt: '2030-01-01T00:00:00.000Z' });
    expect(note!.tags).toEqual(['health']);
    expect(note!.sources).toEqual([{ role: 'api' }]);
    expect(note!.key).toContain('peanuts');
    const { items: [plain] } = await mos.add({ userId: 'alice', cubeId: 'c1', text: '  Keep   spacing as given  ' });
    expect(plain).toMatchObject({ text: '  Keep   spacing as given  ', memoryType: 'long_term', tags: [] });
    const doc = 'Paragraph one about gardening tomatoes.\n\n'.repeat(60);
    const { items } = await mos.add({ userId: 'alice', cubeId: 'c1', document: { text: doc, path: 'notes/garden.md' } });
    expect(items.length).toBeGreaterThan(1);
    expect(items[1]!.sources[0]).toMatchObject({ role: 'document', docPath: 'notes/garden.md' });
  });

  it('rejects bad input with typed errors and leaves the store unchanged', async () => {
    await mos.add({ userId: 'alice', cubeId: 'c1', text: 'baseline' });
    const before = await countAll(mos);
    const bad: [unknown, new (...args: never[]) => MemosError, string?][] = [
      [{ userId: 'alice', cubeId: 'c1', text: '' }, ValidationError, 'add.text'],
      [{ userId: 'alice', cubeId: 'c1', text: '   ' }, ValidationError],
      [{ userId: 'alice', cubeId: 'c1', text: 42 }, ValidationError],
      [{ userId: 'alice', cubeId: 'c1', messages: [{ content: 'no role' }] }, ValidationError],
      [{ userId: 'alice', cubeId: 'c1', messages: [] }, ValidationError],
      [{ userId: 'alice', cubeId: 'c1', messages: [{ role: 'user', content: 'ok' }, { role: 'user', content: 'bad time', time: 'not a time' }] }, ValidationError, 'add.messages[1].time'],
      [{ userId: 'alice', cubeId: 'c1', text: 'x'.repeat(32_001) }, InputTooLargeError, 'add.text'],
      [{ userId: 'alice', cubeId: 'c1', text: 'ok', messages: [] }, ValidationError],
      [{ userId: 'alice', cubeId: 'c1', text: 'ok', metadata: { nested: { a: 1 } } }, ValidationError],
      [{ userId: 'alice', cubeId: 'nope', text: 'ok' }, NotFoundError],
      [{ userId: 'ghost', cubeId: 'c1', text: 'ok' }, NotFoundError],
      [null, ValidationError],
    ];
    for (const [input, type, field] of bad) {
      const error = await mos.add(input as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(input)?.slice(0, 80)).toBeInstanceOf(type);
      if (field) expect(error).toMatchObject({ field });
    }
    expect(await countAll(mos)).toBe(before);
  });

  it('reports the limit and actual size of oversized input', async () => {
    const error = (await mos.add({ userId: 'alice', cubeId: 'c1', text: 'y'.repeat(40_000) }).catch((e: unknown) => e)) as InputTooLargeError;
    expect(error).toMatchObject({ code: 'MEMOS_INPUT_TOO_LARGE', limit: 32_000, actual: 40_000 });
  });
});

describe('search', () => {
  beforeEach(async () => {
    await mos.add({ userId: 'alice', cubeId: 'c1', sessionId: 's1', messages: CONVERSATION });
  });

  it('finds the relevant turn with a fused score, signal breakdown and provenance', async () => {
    const { hits, timings } = await mos.search({ userId: 'alice', query: 'When did Caroline go to the LGBTQ support group?', topK: 3 });
    expect(hits[0]!.item.sources[0]!.messageId).toBe('D1:1');
    expect(hits[0]!.signals.keyword?.rank).toBe(1);
    expect(hits[0]!.signals.vector?.rank).toBe(1);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(hits.length).toBe(3);
    expect(timings.totalMs).toBeGreaterThanOrEqual(timings.storeMs);
    const graphHit = hits.find((h) => h.signals.graph);
    expect(graphHit?.signals.graph?.via).toBeDefined();
  });

  it('is deterministic and counts accesses', async () => {
    const a = await mos.search({ userId: 'alice', query: 'painting lake' });
    const b = await mos.search({ userId: 'alice', query: 'painting lake' });
    expect(b.hits.map((h) => [h.item.id, h.score])).toEqual(a.hits.map((h) => [h.item.id, h.score]));
    expect(b.hits[0]!.item.sources[0]!.messageId).toBe('D1:4');
    expect((await mos.get({ userId: 'alice', id: b.hits[0]!.item.id })).accessCount).toBe(2);
  });

  it('filters by memory type, tags, metadata and time range', async () => {
    await mos.add({ userId: 'alice', cubeId: 'c1', text: 'Caroline likes painting too', memoryType: 'preference', tags: ['art'], metadata: { topic: 'art' } });
    const q = 'Caroline painting';
    const byType = await mos.search({ userId: 'alice', query: q, filter: { memoryTypes: ['preference'] } });
    expect(byType.hits.map((h) => h.item.memoryType)).toEqual(['preference']);
    expect((await mos.search({ userId: 'alice', query: q, filter: { tagsAny: ['art'] } })).hits).toHaveLength(1);
    expect((await mos.search({ userId: 'alice', query: q, filter: { metadata: { topic: 'art' } } })).hits).toHaveLength(1);
    const inMay = await mos.search({ userId: 'alice', query: q, filter: { validFrom: '2023-05-08T13:57:30Z', validTo: '2023-05-09' } });
    expect(inMay.hits.map((h) => h.item.sources[0]!.messageId).sort()).toEqual(['D1:3', 'D1:4']);
  });

  it('rejects malformed queries and filters', async () => {
    await expect(mos.search({ userId: 'alice', query: '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(mos.search({ userId: 'alice', query: 'x', topK: 0 })).rejects.toMatchObject({ field: 'search.topK' });
    await expect(mos.search({ userId: 'alice', query: 'x', topK: 1.5 })).rejects.toBeInstanceOf(ValidationError);
    await expect(mos.search({ userId: 'alice', query: 'x', filter: { bogus: 1 } as never })).rejects.toBeInstanceOf(ValidationError);
    await expect(mos.search({ userId: 'alice', query: 'x', filter: { statuses: ['gone' as never] } })).rejects.toBeInstanceOf(ValidationError);
    await expect(mos.search({ userId: 'alice', query: 'x', filter: { validFrom: 'whenever' } })).rejects.toMatchObject({ field: 'search.filter.validFrom' });
    await expect(mos.search({ userId: 'alice', query: "x' OR 1=1 --", filter: { metadata: { "a') OR ('1'='1": 'x' } } })).resolves.toMatchObject({ hits: [] });
    await expect(mos.search({ userId: 'alice', query: 'x'.repeat(4_001) })).rejects.toBeInstanceOf(InputTooLargeError);
    await expect(mos.search({ userId: 'alice', query: 'x', cubeIds: ['nope'] })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses to mix embedders', async () => {
    const other = createMemOS({ storage: { kind: 'custom', graph: mos.graph, vector: mos.vector }, embedder: createLexicalEmbedder({ dimension: 256 }) });
    await other.setup();
    const error = await other.search({ userId: 'alice', query: 'painting' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderMismatchError);
    expect(error).toMatchObject({ cubeId: 'c1', expected: mos.embedder.fingerprint, actual: other.embedder.fingerprint });
    await expect(other.add({ userId: 'alice', cubeId: 'c1', text: 'x' })).rejects.toBeInstanceOf(EmbedderMismatchError);
  });
});

describe('versions, invalidation and time travel', () => {
  it('updates with a new version, keeps history and rolls back', async () => {
    const { items: [item] } = await mos.add({ userId: 'alice', cubeId: 'c1', text: 'Alice lives in Paris' });
    const updated = await mos.update({ userId: 'alice', id: item!.id, text: 'Alice lives in Berlin', reason: 'moved' });
    expect(updated).toMatchObject({ version: 2, text: 'Alice lives in Berlin' });
    expect((await mos.search({ userId: 'alice', query: 'Berlin' })).hits[0]!.item.id).toBe(item!.id);
    // The old text is no longer indexed: no keyword match for it (the vector signal always ranks something).
    expect((await mos.search({ userId: 'alice', query: 'Paris' })).hits.filter((h) => h.signals.keyword)).toHaveLength(0);
    const history = await mos.history({ userId: 'alice', id: item!.id });
    expect(history.map((v) => [v.version, v.action, v.snapshot.text])).toEqual([[1, 'create', 'Alice lives in Paris'], [2, 'update', 'Alice lives in Berlin']]);
    expect(history[1]!.reason).toBe('moved');
    const restored = await mos.rollback({ userId: 'alice', id: item!.id, version: 1 });
    expect(restored).toMatchObject({ version: 3, text: 'Alice lives in Paris' });
    expect((await mos.search({ userId: 'alice', query: 'Paris' })).hits[0]!.signals.keyword?.rank).toBe(1);
    await expect(mos.rollback({ userId: 'alice', id: item!.id, version: 9 })).rejects.toMatchObject({ entity: 'version' });
    await expect(mos.update({ userId: 'alice', id: item!.id })).rejects.toBeInstanceOf(ValidationError);
    await expect(mos.update({ userId: 'alice', id: 'missing', text: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(mos.update({ userId: 'bob', id: item!.id, text: 'x' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('serialises concurrent updates of one item (no lost versions)', async () => {
    const { items: [item] } = await mos.add({ userId: 'alice', cubeId: 'c1', text: 'counter 0' });
    await Promise.all(Array.from({ length: 5 }, (_, i) => mos.update({ userId: 'alice', id: item!.id, text: `counter ${i + 1}` })));
    const history = await mos.history({ userId: 'alice', id: item!.id });
    expect(history.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('soft-deletes, hides from search and restores with rollback', async () => {
    const { items: [item] } = await mos.add({ userId: 'alice', cubeId: 'c1', text: 'temporary secret plan' });
    const deleted = await mos.delete({ userId: 'alice', id: item!.id, reason: 'user asked' });
    expect(deleted).toMatchObject({ status: 'deleted', vectorSyncState: 'none' });
    expect(deleted.expiredAt).toBeDefined();
    expect((await mos.search({ userId: 'alice', query: 'secret plan' })).hits).toHaveLength(0);
    expect(await mos.vector.listIds({ space: mos.embedder, cubeIds: ['c1'] })).not.toContain(item!.id);
    await expect(mos.delete({ userId: 'alice', id: item!.id })).rejects.toBeInstanceOf(ConflictError);
    await mos.rollback({ userId: 'alice', id: item!.id, version: 1 });
    expect((await mos.search({ userId: 'alice', query: 'secret plan' })).hits[0]!.item.id).toBe(item!.id);
  });

  it('invalidates a contradicted fact: excluded by default, visible with asOf before invalidAt', async () => {
    const { items: [old] } = await mos.add({ userId: 'alice', cubeId: 'c1', messages: [{ role: 'user', content: 'My favourite colour is blue', time: '2023-01-01T10:00:00Z' }] });
    const { items: [fresh] } = await mos.add({ userId: 'alice', cubeId: 'c1', messages: [{ role: 'user', content: 'My favourite colour is green now', time: '2023-06-01T10:00:00Z' }] });
    const inv = await mos.invalidate({ userId: 'alice', id: old!.id, invalidAt: '2023-06-01T10:00:00Z', supersededBy: fresh!.id, reason: 'changed mind' });
    expect(inv).toMatchObject({ status: 'invalidated', invalidAt: '2023-06-01T10:00:00.000Z', version: 2 });
    const now = await mos.search({ userId: 'alice', query: 'favourite colour' });
    expect(now.hits.map((h) => h.item.id)).toEqual([fresh!.id]);
    const before = await mos.search({ userId: 'alice', query: 'favourite colour', asOf: '2023-03-01T00:00:00Z' });
    expect(before.hits.map((h) => h.item.id)).toEqual([old!.id]);
    const edges = await mos.graph.listEdges({ cubeIds: ['c1'], types: ['SUPERSEDES'] });
    expect(edges).toMatchObject([{ from: fresh!.id, to: old!.id }]);
    // System-time travel: before the facts were ingested (the test clock starts in 2024), nothing was known.
    expect((await mos.search({ userId: 'alice', query: 'favourite colour', knownAt: '2023-12-31T00:00:00Z' })).hits).toEqual([]);
    const known = await mos.search({ userId: 'alice', query: 'favourite colour', asOf: '2023-03-01T00:00:00Z', knownAt: new Date() });
    expect(known.hits.map((h) => h.item.id)).toEqual([old!.id]);
    await expect(mos.invalidate({ userId: 'alice', id: old!.id })).rejects.toBeInstanceOf(ConflictError);
    await expect(mos.invalidate({ userId: 'alice', id: fresh!.id, invalidAt: '2020-01-01' })).rejects.toBeInstanceOf(ConflictError);
    expect((await mos.get({ userId: 'alice', id: old!.id })).text).toContain('blue');
  });
});

describe('getAll, relate and audit', () => {
  it('pages through items in a stable order with a total', async () => {
    await mos.add({ userId: 'alice', cubeId: 'c1', messages: CONVERSATION });
    const page1 = await mos.getAll({ userId: 'alice', limit: 3 });
    const page2 = await mos.getAll({ userId: 'alice', limit: 3, offset: 3 });
    expect(page1.total).toBe(4);
    expect([...page1.items, ...page2.items].map((i) => i.sources[0]!.messageId)).toEqual(['D1:1', 'D1:2', 'D1:3', 'D1:4']);
    const desc = await mos.getAll({ userId: 'alice', direction: 'desc', limit: 1 });
    expect(desc.items[0]!.sources[0]!.messageId).toBe('D1:4');
    await expect(mos.getAll({ userId: 'alice', limit: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(mos.getAll({ userId: 'alice', offset: -1 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('relates items and records every change in the audit trail', async () => {
    const { items } = await mos.add({ userId: 'alice', cubeId: 'c1', messages: CONVERSATION.slice(0, 2) });
    const edge = await mos.relate({ userId: 'alice', from: items[0]!.id, to: items[1]!.id, type: 'RELATE_TO', weight: 0.5 });
    expect(edge).toMatchObject({ type: 'RELATE_TO', weight: 0.5, cubeId: 'c1' });
    await expect(mos.relate({ userId: 'alice', from: items[0]!.id, to: items[1]!.id, type: 'LOVES' as never })).rejects.toBeInstanceOf(ValidationError);
    await mos.update({ userId: 'alice', id: items[0]!.id, tags: ['x'] });
    const audit = await mos.audit({ userId: 'alice', cubeId: 'c1' });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['createCube', 'add', 'relate', 'update']));
    await expect(mos.audit({ userId: 'bob', cubeId: 'c1' })).rejects.toBeInstanceOf(NotFoundError);
    await mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId: 'bob', access: 'write' });
    // A member who does not administer the cube sees only their own actions in it.
    await mos.get({ userId: 'bob', id: items[0]!.id });
    const bobs = await mos.audit({ userId: 'bob', cubeId: 'c1' });
    expect(bobs.map((a) => [a.actor, a.action])).toStrictEqual([['bob', 'get']]);
    await expect(mos.audit({ userId: 'bob', cubeId: 'c1', actor: 'alice' })).rejects.toBeInstanceOf(AccessDeniedError);
  });
});

describe('dump and load', () => {
  it('round-trips a cube into a fresh store with identical items, versions, edges and search results', async () => {
    const { items } = await mos.add({ userId: 'alice', cubeId: 'c1', sessionId: 's1', messages: CONVERSATION });
    await mos.update({ userId: 'alice', id: items[0]!.id, text: 'I went to the LGBTQ support group on Sunday.' });
    await mos.invalidate({ userId: 'alice', id: items[3]!.id, invalidAt: '2023-06-01T00:00:00Z' });
    const dir = join(await mkdtemp(join(tmpdir(), 'memos-dump-')), 'cube');
    for (const includeEmbeddings of [false, true]) {
      const target = `${dir}-${includeEmbeddings}`;
      const { manifest } = await mos.dumpCube({ userId: 'alice', cubeId: 'c1', dir: target, includeEmbeddings });
      expect(manifest.counts).toMatchObject({ memories: 4, edges: 3, versions: 6, embeddings: includeEmbeddings ? 4 : 0 });
      const fresh = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } });
      await fresh.setup();
      await fresh.createUser({ id: 'alice', name: 'Alice' });
      await fresh.loadCube({ userId: 'alice', dir: target });
      const strip = (i: { accessCount: number; lastAccessedAt?: string; vectorSyncState: string }) => ({ ...i, accessCount: 0, lastAccessedAt: undefined, vectorSyncState: 'x' });
      const all = async (m: MemOS) => (await m.getAll({ userId: 'alice', filter: { statuses: ['active', 'invalidated'] } })).items.map(strip);
      expect(await all(fresh)).toEqual(await all(mos));
      for (const item of items) expect(await fresh.history({ userId: 'alice', id: item.id })).toEqual(await mos.history({ userId: 'alice', id: item.id }));
      const edgeKey = (e: { from: string; to: string; type: string }) => `${e.from}>${e.to}:${e.type}`;
      const sortEdges = <T extends { from: string; to: string; type: string }>(edges: T[]) => edges.sort((x, y) => edgeKey(x).localeCompare(edgeKey(y)));
      expect(sortEdges(await fresh.graph.listEdges({ cubeIds: ['c1'] }))).toEqual(sortEdges(await mos.graph.listEdges({ cubeIds: ['c1'] })));
      for (const query of ['support group', 'What did Melanie paint?', 'counseling career']) {
        const a = await mos.search({ userId: 'alice', query, asOf: '2023-05-10T00:00:00Z' });
        const b = await fresh.search({ userId: 'alice', query, asOf: '2023-05-10T00:00:00Z' });
        expect(b.hits.map((h) => [h.item.id, h.score, h.signals])).toEqual(a.hits.map((h) => [h.item.id, h.score, h.signals]));
      }
      await expect(fresh.loadCube({ userId: 'alice', dir: target })).rejects.toBeInstanceOf(ConflictError);
      await fresh.close();
    }
  });

  it('rejects a dump from a newer format and malformed lines, writing nothing', async () => {
    await mos.add({ userId: 'alice', cubeId: 'c1', text: 'something to dump' });
    const dir = join(await mkdtemp(join(tmpdir(), 'memos-dump-')), 'cube');
    await mos.dumpCube({ userId: 'alice', cubeId: 'c1', dir });
    await expect(mos.dumpCube({ userId: 'alice', cubeId: 'c1', dir })).rejects.toBeInstanceOf(ConflictError);
    const fresh = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } });
    await fresh.setup();
    await fresh.createUser({ id: 'alice', name: 'Alice' });
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    await writeFile(manifestPath, JSON.stringify({ ...manifest, formatVersion: '2.0' }));
    const error = await fresh.loadCube({ userId: 'alice', dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DumpFormatError);
    expect(error).toMatchObject({ formatVersion: '2.0' });
    await writeFile(manifestPath, JSON.stringify(manifest));
    await writeFile(join(dir, 'memories.jsonl'), '{"id": 1}\n');
    await expect(fresh.loadCube({ userId: 'alice', dir })).rejects.toBeInstanceOf(DumpFormatError);
    expect(await fresh.listCubes({ userId: 'alice' })).toEqual([]);
    await fresh.close();
  });
});
