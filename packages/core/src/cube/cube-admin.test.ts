/**
 * Cube and user records under concurrency, through the public MOS API, on SQLite and on a real
 * Neo4j: concurrent shares keep every grant, concurrent creates of one id have one winner, and
 * a writer that lost a race after its existence check (simulated by a store that hides the record
 * from that check) never overwrites, or resurrects, another writer's cube.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { ConflictError } from '../errors/conflict-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { createMemOS, type MemOS } from '../mos.ts';
import type { GraphStore, VectorStore } from '../spec/index.ts';
import { createNeo4jStorage } from '../storage/neo4j/create-neo4j-storage.ts';
import { createSqliteStorage } from '../storage/sqlite/create-sqlite-storage.ts';
import { uniqueSuffix } from '../testing/fixtures.ts';

vi.setConfig({ testTimeout: 60_000 });

const neo4jUrl = inject('neo4jUrl') || process.env.MEMOS_NEO4J_URL || '';
const namespaces: string[] = [];

/** What the tests make the store do behind the runtime's back. */
interface Tamper {
  /** `getCube` of these ids answers "absent" (the runtime's existence check lost a race). */
  hidden: Set<string>;
  /** Runs once right before the next `putCube` reaches the store (another writer got there first). */
  beforePutCube?: ((store: GraphStore) => Promise<void>) | undefined;
}

function tampered(graph: GraphStore, tamper: Tamper): GraphStore {
  return new Proxy(graph, {
    get(target, prop) {
      if (prop === 'getCube') {
        return async (id: string) => (tamper.hidden.has(id) ? undefined : target.getCube(id));
      }
      if (prop === 'putCube') {
        return async (...args: Parameters<GraphStore['putCube']>) => {
          const before = tamper.beforePutCube;
          tamper.beforePutCube = undefined;
          await before?.(target);
          return target.putCube(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A store of its own for one test: a SQLite file in `dir`, or a Neo4j namespace (`where` names it; pass it again for a second runtime on the same data). */
function storageOn(backend: 'sqlite' | 'neo4j', where: string): { graph: GraphStore; vector: VectorStore } {
  if (backend === 'sqlite') return createSqliteStorage({ path: join(where, 'memos.db') });
  if (neo4jUrl === '') throw new Error('No Neo4j server: run through vitest (test/global-setup.ts) or set MEMOS_NEO4J_URL');
  if (!namespaces.includes(where)) namespaces.push(where);
  const { graph, vector } = createNeo4jStorage({ url: neo4jUrl, namespace: where, vectorIndex: true });
  if (vector === undefined) throw new Error('vectorIndex: true must give a vector store');
  return { graph, vector };
}

afterAll(async () => {
  for (const namespace of namespaces) {
    const storage = createNeo4jStorage({ url: neo4jUrl, namespace });
    await storage.dropNamespace();
    await storage.close();
  }
});

describe.each(['sqlite', 'neo4j'] as const)('cube and user records on %s', (backend) => {
  let mos: MemOS;
  let tamper: Tamper;
  let graph: GraphStore;
  let scratch: string;
  let where: string;
  let retried: { id: string }[];
  let others: MemOS[];
  const users = Array.from({ length: 10 }, (_, i) => `user-${i}`);
  // A frozen clock: every concurrent call sees the same instant, the hardest case for a check on updatedAt.
  const frozen = () => new Date('2024-05-01T12:00:00.000Z');

  /** Another runtime (another process, as far as the store can tell) on the same data. */
  async function secondRuntime(): Promise<MemOS> {
    const storage = storageOn(backend, where);
    const other = createMemOS({ storage: { kind: 'custom', ...storage }, now: frozen });
    others.push(other);
    await other.setup();
    return other;
  }

  beforeEach(async () => {
    tamper = { hidden: new Set() };
    retried = [];
    others = [];
    scratch = await mkdtemp(join(tmpdir(), 'memos-cube-admin-'));
    where = backend === 'sqlite' ? scratch : `tcad_${uniqueSuffix()}`;
    const storage = storageOn(backend, where);
    graph = storage.graph;
    mos = createMemOS({
      storage: { kind: 'custom', graph: tampered(storage.graph, tamper), vector: storage.vector }, now: frozen,
      conflictRetry: { onRetry: (info) => retried.push(info) },
    });
    await mos.setup();
    for (const id of ['alice', 'mallory', ...users]) await mos.createUser({ id, name: id });
    await mos.createCube({ userId: 'alice', id: 'c1', name: 'Alice memories' });
  });

  afterEach(async () => {
    for (const other of others) await other.close();
    await mos.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('ten concurrent shareCube calls to ten users keep all ten grants', async () => {
    const access = ['read', 'write', 'share'] as const;
    const results = await Promise.all(users.map((withUserId, i) => mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId, access: access[i % 3] as 'read' })));
    expect(results).toHaveLength(10);
    const cube = await mos.getCube({ userId: 'alice', cubeId: 'c1' });
    const byUser = (a: { userId: string }, b: { userId: string }) => (a.userId < b.userId ? -1 : 1);
    expect([...cube.acl].sort(byUser)).toEqual(users.map((userId, i) => ({ userId, access: access[i % 3] })).sort(byUser));
    for (const userId of users) expect((await mos.listCubes({ userId })).map((c) => c.id)).toEqual(['c1']);
    expect((await mos.audit({ userId: 'alice', cubeId: 'c1', action: 'share' })).length).toBe(10);
  });

  it('two runtimes on one store: concurrent shares from both keep every grant', async () => {
    const other = await secondRuntime();
    await Promise.all(users.map((withUserId, i) => (i % 2 === 0 ? mos : other).shareCube({ userId: 'alice', cubeId: 'c1', withUserId, access: 'read' })));
    const cube = await other.getCube({ userId: 'alice', cubeId: 'c1' });
    expect(cube.acl.map((e) => e.userId).sort()).toEqual([...users].sort());
    expect(cube.ownerId).toBe('alice');
  });

  it('concurrent grants and revokes of different users all take effect', async () => {
    for (const withUserId of users.slice(0, 5)) await mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId, access: 'read' });
    await Promise.all([
      ...users.slice(0, 5).map((withUserId) => mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId, access: 'none' })),
      ...users.slice(5).map((withUserId) => mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId, access: 'write' })),
    ]);
    const cube = await mos.getCube({ userId: 'alice', cubeId: 'c1' });
    expect(cube.acl.map((e) => `${e.userId}:${e.access}`).sort()).toEqual(users.slice(5).map((u) => `${u}:write`).sort());
  });

  it('ten concurrent createCube calls with one id: exactly one succeeds, the rest are ConflictError, the owner is the winner', async () => {
    const results = await Promise.allSettled(users.map((userId) => mos.createCube({ userId, id: 'contested', name: `${userId}'s cube` })));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [users[i] as string] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    const stored = await graph.getCube('contested');
    expect(stored).toMatchObject({ ownerId: winners[0], name: `${winners[0]}'s cube` });
    for (const userId of users) expect((await mos.listCubes({ userId })).map((c) => c.id)).toEqual(userId === winners[0] ? ['contested'] : []);
  });

  it('a createCube whose existence check lost the race does not overwrite the cube created meanwhile', async () => {
    tamper.hidden.add('c1');
    await expect(mos.createCube({ userId: 'mallory', id: 'c1', name: 'taken over' })).rejects.toBeInstanceOf(ConflictError);
    expect(await graph.getCube('c1')).toMatchObject({ ownerId: 'alice', name: 'Alice memories' });
  });

  it('a loadCube racing a createCube of the same id never takes over that cube (and writes none of its items)', async () => {
    await mos.createCube({ userId: 'mallory', id: 'source', name: 'Mallory dump source' });
    await mos.add({ userId: 'mallory', cubeId: 'source', text: 'the harbour opens at six' });
    const dir = join(scratch, 'dump');
    await mos.dumpCube({ userId: 'mallory', cubeId: 'source', dir });
    await mos.add({ userId: 'alice', cubeId: 'c1', text: 'alice keeps her diary here' });
    tamper.hidden.add('c1');
    const error = await mos.loadCube({ userId: 'mallory', dir, cubeId: 'c1', remintIds: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ entity: 'cube', id: 'c1', reason: 'duplicate' });
    tamper.hidden.clear();
    expect(await graph.getCube('c1')).toMatchObject({ ownerId: 'alice', name: 'Alice memories', acl: [] });
    const items = await graph.listItems({ filter: { cubeIds: ['c1'] }, limit: 10, offset: 0 });
    expect(items.map((item) => [item.ownerId, item.text])).toEqual([['alice', 'alice keeps her diary here']]);
  });

  it('a shareCube that lost a race with another runtime\'s share re-reads the cube and keeps both grants', async () => {
    tamper.beforePutCube = async (store) => {
      const cube = (await store.getCube('c1'))!;
      await store.putCube({ ...cube, acl: [{ userId: 'user-9', access: 'write' }], updatedAt: '2024-05-01T12:00:00.500Z' });
    };
    await mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId: 'user-0', access: 'read' });
    expect(tamper.beforePutCube).toBeUndefined();
    const cube = (await graph.getCube('c1'))!;
    expect(cube.acl.map((e) => `${e.userId}:${e.access}`).sort()).toEqual(['user-0:read', 'user-9:write']);
    expect(cube.updatedAt > '2024-05-01T12:00:00.500Z').toBe(true);
    expect(retried.map((info) => info.id)).toEqual(['c1']);
  });

  it('a shareCube racing a deleteCube does not resurrect the deleted cube', async () => {
    tamper.beforePutCube = (store) => store.deleteCube('c1');
    await expect(mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId: 'user-0', access: 'read' })).rejects.toBeInstanceOf(NotFoundError);
    expect(tamper.beforePutCube).toBeUndefined();
    expect(await graph.getCube('c1')).toBeUndefined();
    expect((await graph.listCubes()).map((c) => c.id)).not.toContain('c1');
  });

  it('concurrent createUser calls with one id: exactly one succeeds, the rest are ConflictError', async () => {
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => mos.createUser({ id: 'newcomer', name: `Newcomer ${i}` })));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    expect(await mos.getUser({ userId: 'newcomer' })).toMatchObject({ name: `Newcomer ${winners[0]}`, role: 'user' });
  });
});
