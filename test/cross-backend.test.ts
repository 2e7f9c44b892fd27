/**
 * One sequence of MOS operations on every backend (SQLite; Neo4j + Chroma; Neo4j alone) gives
 * the same items and the same search results, and a cube migrated SQLite → Neo4j + Chroma →
 * dump → SQLite comes back identical.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemOS, migrateCube, type MemOS, type SearchResult } from '@memos-js/core';
import { serverMemOS } from './server-fixtures.ts';

const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const deterministic = () => {
  let t = T0;
  let n = 0;
  return { now: () => new Date((t += 1_000)), newId: () => `item-${String(++n).padStart(5, '0')}` };
};

const SESSIONS = [
  [
    ['user', 'Priya', 'I adopted a beagle called Biscuit from the shelter.'],
    ['assistant', 'Tom', 'Congratulations! How is Biscuit settling in?'],
    ['user', 'Priya', 'He howls whenever I leave for work at the hospital.'],
    ['assistant', 'Tom', 'A puzzle feeder kept my sister\'s dog busy for hours.'],
  ],
  [
    ['user', 'Priya', 'I am training for the Lisbon half marathon in May.'],
    ['assistant', 'Tom', 'I started learning the cello in January.'],
    ['user', 'Priya', 'My favourite food is my mum\'s lentil dal.'],
    ['assistant', 'Tom', 'Mine is sushi. I am moving to Porto next month.'],
  ],
] as const;

const QUERIES = ['What is the name of Priya\'s dog?', 'How did the dog stop howling?', 'Which race is Priya training for?', 'Where is Tom moving?', 'favourite food', 'cello lessons'];

/** The scripted workload: ingest, update, invalidate, delete, relate. */
async function workload(mos: MemOS): Promise<string[]> {
  await mos.createUser({ id: 'priya', name: 'Priya' });
  await mos.createCube({ userId: 'priya', id: 'chats', name: 'Chats' });
  const ids: string[] = [];
  for (const [i, turns] of SESSIONS.entries()) {
    const { items } = await mos.add({
      userId: 'priya', cubeId: 'chats', sessionId: `s${i + 1}`, sessionTime: `2024-0${i + 3}-01T10:00:00Z`,
      messages: turns.map(([role, speaker, content], j) => ({ role, speaker, content, messageId: `D${i + 1}:${j + 1}` })),
    });
    ids.push(...items.map((item) => item.id));
  }
  const [dog, , , , , cello, food, porto] = ids as [string, string, string, string, string, string, string, string];
  const { items: [peanuts] } = await mos.add({ userId: 'priya', cubeId: 'chats', text: 'Priya is allergic to peanuts', memoryType: 'fact', tags: ['health'] });
  await mos.update({ userId: 'priya', id: dog, text: 'I adopted a beagle called Biscuit from the shelter in March.' });
  await mos.invalidate({ userId: 'priya', id: porto, invalidAt: '2024-05-01T00:00:00Z', reason: 'Tom changed his mind' });
  await mos.delete({ userId: 'priya', id: cello });
  await mos.relate({ userId: 'priya', from: food, to: peanuts!.id, type: 'RELATE_TO', weight: 0.5 });
  return ids;
}

/**
 * Search results must agree exactly in ids, order and contributing signals; fused scores agree to
 * 1e-5 (vector backends compute float32 cosines with different summation orders).
 */
function expectSameSearches(got: ReturnType<typeof summary>[], want: ReturnType<typeof summary>[]): void {
  expect(got.map((hits) => hits.map(({ id, signals }) => ({ id, signals })))).toEqual(want.map((hits) => hits.map(({ id, signals }) => ({ id, signals }))));
  got.forEach((hits, i) => hits.forEach((hit, j) => expect(hit.score).toBeCloseTo(want[i]![j]!.score, 5)));
}

function summary(result: SearchResult) {
  return result.hits.map((h) => ({ id: h.item.id, score: h.score, signals: Object.keys(h.signals).sort() }));
}

async function snapshot(mos: MemOS) {
  const all = await mos.getAll({ userId: 'priya', filter: { statuses: ['active', 'invalidated', 'deleted'] }, limit: 100 });
  const items = all.items.map(({ accessCount: _a, lastAccessedAt: _l, vectorSyncState: _v, ...rest }) => rest);
  const versions = await Promise.all(all.items.map((i) => mos.history({ userId: 'priya', id: i.id })));
  const edges = (await mos.graph.listEdges({ cubeIds: ['chats'] })).sort((a, b) => `${a.from}${a.to}${a.type}`.localeCompare(`${b.from}${b.to}${b.type}`));
  const searches = [];
  for (const query of QUERIES) {
    searches.push(summary(await mos.search({ userId: 'priya', query, topK: 5 })));
    searches.push(summary(await mos.search({ userId: 'priya', query, topK: 5, asOf: '2024-04-15T00:00:00Z' })));
  }
  return { items, versions: versions.map((vs) => vs.map(({ snapshot: { accessCount: _a, lastAccessedAt: _l, vectorSyncState: _v, ...s }, ...v }) => ({ ...v, snapshot: s }))), edges, searches };
}

describe.sequential('the same operations on every backend', () => {
  const drops: (() => Promise<void>)[] = [];
  let reference: Awaited<ReturnType<typeof snapshot>>;
  let sqlite: MemOS;
  let ids: string[];

  beforeAll(async () => {
    sqlite = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, trackAccess: false, ...deterministic() });
    await sqlite.setup();
    ids = await workload(sqlite);
    reference = await snapshot(sqlite);
  });
  afterAll(async () => {
    await sqlite.close();
    for (const drop of drops) await drop();
  });

  it('has meaningful reference results', () => {
    expect(reference.items).toHaveLength(9);
    expect(reference.searches[4]![0]!.id).toBe(ids[4]); // 'Which race is Priya training for?' → the Lisbon turn
    expect(reference.searches.flat().some((h) => h.signals.includes('graph'))).toBe(true);
  });

  for (const backend of ['neo4j-chroma', 'neo4j'] as const) {
    it(`${backend}: identical items, versions, edges and search results`, async () => {
      const { mos, drop } = await serverMemOS(backend, { trackAccess: false, ...deterministic() });
      drops.push(drop);
      await workload(mos);
      const got = await snapshot(mos);
      expect(got.items).toEqual(reference.items);
      expect(got.versions).toEqual(reference.versions);
      expect(got.edges).toEqual(reference.edges);
      expectSameSearches(got.searches, reference.searches);
    }, 120_000);
  }

  it('migrates SQLite → Neo4j + Chroma → dump → SQLite with identical items, versions, edges and results', async () => {
    const { mos: server, drop } = await serverMemOS('neo4j-chroma', { trackAccess: false });
    drops.push(drop);
    await server.createUser({ id: 'priya', name: 'Priya' });
    await migrateCube({ from: sqlite, to: server, userId: 'priya', cubeId: 'chats' });
    const onServer = await snapshot(server);
    expect(onServer.items).toEqual(reference.items);
    expectSameSearches(onServer.searches, reference.searches);
    const dir = join(await mkdtemp(join(tmpdir(), 'memos-xb-')), 'chats');
    await server.dumpCube({ userId: 'priya', cubeId: 'chats', dir, includeEmbeddings: true });
    const back = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, trackAccess: false });
    await back.setup();
    await back.createUser({ id: 'priya', name: 'Priya' });
    await back.loadCube({ userId: 'priya', dir });
    const roundTrip = await snapshot(back);
    expect(roundTrip.items).toEqual(reference.items);
    expect(roundTrip.versions).toEqual(reference.versions);
    expect(roundTrip.edges).toEqual(reference.edges);
    expectSameSearches(roundTrip.searches, reference.searches);
    await back.close();
  }, 120_000);
});
