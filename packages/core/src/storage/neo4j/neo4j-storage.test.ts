import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest';
import { ClosedError } from '../../errors/closed-error.ts';
import { DependencyMissingError } from '../../errors/dependency-missing-error.ts';
import { MemosError } from '../../errors/memos-error.ts';
import { StorageError } from '../../errors/storage-error.ts';
import { ValidationError } from '../../errors/validation-error.ts';
import { createFixtures, toItemWrite, uniqueSuffix } from '../../testing/fixtures.ts';
import { createSqliteStorage } from '../sqlite/create-sqlite-storage.ts';
import { createNeo4jStorage, type Neo4jStorage, type Neo4jStorageOptions } from './create-neo4j-storage.ts';
import { scopeUid } from './neo4j-item-props.ts';
import { SCHEMA_STATEMENTS } from './neo4j-schema.ts';

const url = inject('neo4jUrl') || process.env.MEMOS_NEO4J_URL || '';
if (url === '') throw new Error('No Neo4j server: run through vitest (test/global-setup.ts) or set MEMOS_NEO4J_URL');
const namespace = `tstore_${uniqueSuffix()}`;
// First use of each statement is planned by the server: slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000 });
const opened: Neo4jStorage[] = [];

function open(options: Partial<Neo4jStorageOptions> = {}): Neo4jStorage {
  const storage = createNeo4jStorage({ url, namespace, ...options });
  opened.push(storage);
  return storage;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});

afterAll(async () => {
  for (const ns of [namespace, `${namespace}_b`]) {
    const storage = createNeo4jStorage({ url, namespace: ns });
    await storage.dropNamespace();
    await storage.close();
  }
});

describe('Neo4j storage', () => {
  it('creates the whole schema idempotently, also from concurrent setups', async () => {
    const [a, b] = [open({ vectorIndex: true }), open()];
    await Promise.all([a.graph.setup(), b.graph.setup(), a.vector?.setup()]);
    await a.graph.setup();
    const names = new Set<string>();
    for (const statement of ['SHOW INDEXES YIELD name, state RETURN name, state', 'SHOW CONSTRAINTS YIELD name RETURN name, "ONLINE" AS state']) {
      for (const row of await a.connection.query('test', statement)) {
        names.add(String(row['name']));
        expect(row['state']).toBe('ONLINE');
      }
    }
    for (const statement of SCHEMA_STATEMENTS) expect(names.has(statement.name), statement.name).toBe(true);
  });

  it('keeps namespaces apart and rejects invalid namespace names', async () => {
    const fx = createFixtures({ prefix: `ns${uniqueSuffix()}` });
    const [a, b] = [open(), open({ namespace: `${namespace}_b` })];
    await a.graph.setup();
    await b.graph.setup();
    const item = fx.item({ text: 'shared identifier' });
    const cube = fx.cube({ id: item.cubeId });
    await a.graph.write({ items: [toItemWrite(item)] });
    await a.graph.putCube(cube);
    await b.graph.write({ items: [toItemWrite({ ...item, text: 'other namespace' })] });
    expect((await a.graph.getItems([item.id]))[0]?.text).toBe('shared identifier');
    expect((await b.graph.getItems([item.id]))[0]?.text).toBe('other namespace');
    expect(await b.graph.getCube(cube.id)).toBeUndefined();
    await b.graph.deleteCube(item.cubeId);
    expect(await a.graph.getItems([item.id])).toStrictEqual([item]);
    expect(await a.graph.keywordStats({ terms: ['share'], filter: { cubeIds: [item.cubeId] } })).toMatchObject({ docCount: 1 });
    await a.graph.deleteCube(item.cubeId);
    for (const bad of ['', '1abc', 'has-dash', 'a'.repeat(42), 'x:y']) {
      expect(() => createNeo4jStorage({ url, namespace: bad }), bad).toThrow(ValidationError);
    }
  });

  it('stores hostile ids and texts as plain data', async () => {
    const storage = open();
    await storage.graph.setup();
    const fx = createFixtures({ prefix: `inj${uniqueSuffix()}` });
    const evil = `x' }) MATCH (n) DETACH DELETE n //`;
    const item = fx.fullItem({ id: `${fx.id('a')}${evil}`, cubeId: fx.id(`c${evil}`), text: '`backticks` $param {map} \\\\ "quotes"' });
    await storage.graph.write({ items: [toItemWrite(item, ['AND', 'OR', 'NOT', '"q"', 'a:b', '*', evil])] });
    expect(await storage.graph.getItems([item.id])).toStrictEqual([item]);
    const hits = await storage.graph.keywordSearch({ weights: { [evil]: 1, '*': 1 }, k1: 1.2, b: 0.75, avgDocLength: 7, filter: { cubeIds: [item.cubeId] }, limit: 5 });
    expect(hits.map((hit) => hit.id)).toStrictEqual([item.id]);
    await storage.graph.deleteCube(item.cubeId);
    expect(await storage.graph.getItems([item.id])).toStrictEqual([]);
  });

  it('keeps another cube\'s edges when a cube is deleted, like SQLite', async () => {
    const fx = createFixtures({ prefix: `dc${uniqueSuffix()}` });
    const [a, b] = [fx.id('cube-a'), fx.id('cube-b')];
    const [itemA, itemB] = [fx.item({ cubeId: a }), fx.item({ cubeId: b })];
    const batch = {
      items: [toItemWrite(itemA), toItemWrite(itemB)],
      edges: [fx.edge({ from: itemB.id, to: itemA.id, cubeId: b }), fx.edge({ from: itemA.id, to: itemB.id, cubeId: a, type: 'PARENT' as const })],
      versions: [fx.version(itemA), fx.version(itemB)],
    };
    const sqlite = createSqliteStorage({ path: ':memory:' });
    await sqlite.graph.setup();
    const neo = open();
    await neo.graph.setup();
    for (const graph of [sqlite.graph, neo.graph]) {
      await graph.write(batch);
      await graph.deleteCube(a);
    }
    expect(await neo.graph.listEdges({ cubeIds: [a, b] })).toStrictEqual(await sqlite.graph.listEdges({ cubeIds: [a, b] }));
    expect(await neo.graph.getItems([itemA.id, itemB.id])).toStrictEqual([itemB]);
    expect(await neo.graph.listVersions({ cubeId: itemB.cubeId, itemId: itemB.id })).toHaveLength(1);
    expect(await neo.graph.neighbors({ ids: [itemB.id], types: ['RELATE_TO'], hops: 1, filter: {}, limit: 5 })).toStrictEqual([]);
    await neo.graph.deleteCube(b);
    expect(await neo.graph.listEdges({ cubeIds: [a, b] })).toStrictEqual([]);
    await sqlite.close();
  });

  it('answers keyword queries without cube filters (term lookup by namespace) like SQLite', async () => {
    const fx = createFixtures({ prefix: `kw${uniqueSuffix()}` });
    const owner = fx.id('owner');
    const items = ['apple pie', 'apple tart apple', 'banana bread', 'cherry pie'].map((text, i) =>
      fx.item({ cubeId: fx.id(`cube-${i % 2}`), ownerId: owner, text, status: i === 3 ? 'archived' : 'active' }),
    );
    const sqlite = createSqliteStorage({ path: ':memory:' });
    await sqlite.graph.setup();
    const neo = open();
    await neo.graph.setup();
    for (const graph of [sqlite.graph, neo.graph]) await graph.write({ items: items.map((item) => toItemWrite(item)) });
    const filters = [{ ownerId: owner }, { ownerId: owner, statuses: ['active' as const] }, { ids: items.map((item) => item.id).slice(1) }];
    for (const filter of filters) {
      const terms = ['appl', 'pie', 'banana', 'none'];
      expect(await neo.graph.keywordStats({ terms, filter }), JSON.stringify(filter)).toStrictEqual(await sqlite.graph.keywordStats({ terms, filter }));
      const query = { weights: { appl: 1.5, pie: 0.5, banana: 2 }, k1: 1.2, b: 0.75, avgDocLength: 3, filter, limit: 3 };
      expect(await neo.graph.keywordSearch(query), JSON.stringify(filter)).toStrictEqual(await sqlite.graph.keywordSearch(query));
    }
    for (let i = 0; i < 2; i += 1) await neo.graph.deleteCube(fx.id(`cube-${i}`));
    await sqlite.close();
  });

  it('rolls back a batch that fails inside the transaction: nothing is half-written', async () => {
    const storage = open({ transactionTimeoutMs: 1500, maxTransactionRetryTimeMs: 0 });
    await storage.graph.setup();
    const fx = createFixtures({ prefix: `tx${uniqueSuffix()}` });
    const cubeId = fx.id('cube');
    const [existing, added] = [fx.item({ cubeId }), fx.item({ cubeId })];
    const audit = fx.audit({ cubeId });
    await storage.graph.write({ items: [toItemWrite(existing)], audit: [audit] });
    const before = await storage.graph.keywordStats({ terms: ['memori'], filter: { cubeIds: [cubeId] } });
    // Another client holds the write lock of the keyword counters the batch updates after writing its
    // items (audit records are append-only now: the batch's new audit record takes no existing lock).
    const neo4j = storage.connection.neo4j;
    const driver = neo4j.driver(url, neo4j.auth.basic('neo4j', 'neo4j'));
    const session = driver.session();
    const locker = await session.beginTransaction();
    try {
      await locker.run('MATCH (s:KeywordScope {uid: $uid}) SET s.lockedBy = $actor', { uid: scopeUid(namespace, cubeId, 'active'), actor: 'locker' });
      const error = await failure(
        storage.graph.write({
          items: [toItemWrite({ ...existing, text: 'changed', version: 2 }), toItemWrite(added)],
          edges: [fx.edge({ from: existing.id, to: added.id, cubeId })],
          versions: [fx.version(added)],
          audit: [fx.audit({ cubeId, action: 'changed' })],
        }),
      );
      expect(error).toBeInstanceOf(StorageError);
    } finally {
      await locker.rollback();
      await session.close();
      await driver.close();
    }
    const reader = open();
    await reader.graph.setup();
    expect(await reader.graph.getItems([existing.id, added.id])).toStrictEqual([existing]);
    expect(await reader.graph.listEdges({ cubeIds: [cubeId] })).toStrictEqual([]);
    expect(await reader.graph.listVersions({ cubeId: added.cubeId, itemId: added.id })).toStrictEqual([]);
    expect(await reader.graph.listAudit({ cubeId })).toStrictEqual([audit]);
    expect(await reader.graph.keywordStats({ terms: ['memori'], filter: { cubeIds: [cubeId] } })).toStrictEqual(before);
    await storage.graph.write({ items: [toItemWrite(added)] });
    expect(await reader.graph.keywordStats({ terms: ['memori'], filter: { cubeIds: [cubeId] } })).toMatchObject({ docCount: 2 });
    await reader.graph.deleteCube(cubeId);
  });

  it('maps an unreachable server to a retryable StorageError and can set up later', async () => {
    const storage = open({ url: 'bolt://127.0.0.1:1', connectionTimeoutMs: 2000 });
    const error = await failure(storage.graph.setup());
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).isRetryable).toBe(true);
    expect((error as StorageError).backend).toBe('neo4j');
    await expect(storage.graph.getItems(['x'])).rejects.toBeInstanceOf(ClosedError);
    const bad = open({ url: 'http://127.0.0.1:1' });
    const badError = await failure(bad.graph.setup());
    expect(MemosError.isInstance(badError)).toBe(true);
    expect((badError as MemosError).isRetryable).toBe(false);
  });

  it('throws ClosedError before setup and after close, and DependencyMissingError without the driver', async () => {
    const storage = open({ vectorIndex: true });
    await expect(storage.graph.listUsers()).rejects.toBeInstanceOf(ClosedError);
    await storage.graph.setup();
    await storage.vector?.setup();
    await storage.graph.close();
    expect(storage.connection.isOpen).toBe(true);
    await storage.vector?.close();
    expect(storage.connection.isOpen).toBe(false);
    await expect(storage.graph.setup()).rejects.toBeInstanceOf(ClosedError);
    const missing = open({ importDriver: () => Promise.reject(Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' })) });
    const error = await failure(missing.graph.setup());
    expect(error).toBeInstanceOf(DependencyMissingError);
    expect((error as DependencyMissingError).installCommand).toBe('npm install neo4j-driver');
  });

  it('rejects vector spaces wider than a Neo4j vector index and writes nothing', async () => {
    const storage = open({ vectorIndex: true });
    const vector = storage.vector;
    if (vector === undefined) throw new Error('vector store expected');
    await vector.setup();
    const space = { fingerprint: `wide-${uniqueSuffix()}`, dimension: 4097 };
    const record = { id: 'w', cubeId: 'c', ownerId: 'o', memoryType: 'long_term', createdAt: new Date(0).toISOString(), vector: Array.from({ length: 4097 }, () => 1) };
    await expect(vector.upsert({ space, records: [record] })).rejects.toBeInstanceOf(ValidationError);
    expect(await vector.listIds({ space, cubeIds: ['c'] })).toStrictEqual([]);
  });
});

/** A TCP proxy to the Neo4j server that the test can cut and restore (a server restart, seen from the client). */
async function startProxy(target: URL, port = 0): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Neo4j storage across a connection loss', () => {
  it('fails with retryable errors while the server is unreachable and reconnects afterwards', async () => {
    const target = new URL(url.replace(/^bolt:/, 'http:'));
    let proxy = await startProxy(target);
    const storage = open({ url: `bolt://127.0.0.1:${proxy.port}`, maxTransactionRetryTimeMs: 500, connectionTimeoutMs: 1000 });
    await storage.graph.setup();
    const fx = createFixtures({ prefix: `rc${uniqueSuffix()}` });
    const [first, second] = [fx.item(), fx.item()];
    await storage.graph.write({ items: [toItemWrite(first)] });
    const port = proxy.port;
    await proxy.stop();
    for (const call of [() => storage.graph.write({ items: [toItemWrite(second)] }), () => storage.graph.getItems([first.id])]) {
      const error = await failure(call());
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).isRetryable).toBe(true);
    }
    proxy = await startProxy(target, port);
    try {
      expect(await storage.graph.getItems([first.id, second.id])).toStrictEqual([first]);
      await storage.graph.write({ items: [toItemWrite(second)] });
      expect(await storage.graph.getItems([first.id, second.id])).toStrictEqual([first, second]);
      await storage.graph.deleteCube(first.cubeId);
    } finally {
      await storage.close();
      await proxy.stop();
    }
  });
});
